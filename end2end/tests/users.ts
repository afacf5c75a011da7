// The local workspace's users, as the Databricks Apps proxy would forward them.
export const alice = {
  "x-forwarded-access-token": "local-alice",
  "x-forwarded-email": "alice@example.com",
};

export const bob = {
  "x-forwarded-access-token": "local-bob",
  "x-forwarded-email": "bob@example.com",
};

// In dq-approvers, which reviews every table of the sample workspace.
export const carol = {
  "x-forwarded-access-token": "local-carol",
  "x-forwarded-email": "carol@example.com",
};
