//! Who is calling: the `Caller` resolved from the headers the Databricks Apps proxy forwards,
//! under the policy of the mode the app runs in. Fails closed: no acceptable identity, no caller.

use crate::model::session::{Mode, WhoAmI};
use crate::server::error::AppError;
use crate::server::secret::SecretToken;
use crate::server::workspace::local::directory::LocalDirectory;
use axum::http::HeaderMap;
use std::sync::Arc;

pub const HEADER_TOKEN: &str = "x-forwarded-access-token";
pub const HEADER_EMAIL: &str = "x-forwarded-email";
pub const HEADER_USER: &str = "x-forwarded-user";
pub const HEADER_PREFERRED_USERNAME: &str = "x-forwarded-preferred-username";
pub const HEADER_REQUEST_ID: &str = "x-request-id";

/// How the caller's identity was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitySource {
    /// The user's own token, forwarded by the Databricks Apps proxy (or a test acting as it).
    ForwardedToken,
    /// Local mode, no forwarded headers: the configured default local user.
    DefaultLocalUser,
    /// Workspace-dev mode without a forwarded token: the developer's personal access token.
    PersonalAccessToken,
}

impl IdentitySource {
    pub fn describe(self) -> &'static str {
        match self {
            IdentitySource::ForwardedToken => "forwarded user token",
            IdentitySource::DefaultLocalUser => "default local user (no forwarded headers)",
            IdentitySource::PersonalAccessToken => "personal access token (DATABRICKS_TOKEN)",
        }
    }
}

/// The resolved caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub email: String,
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    /// The token data calls are made with; `None` only for local users, who need none.
    pub token: Option<SecretToken>,
    pub source: IdentitySource,
    pub request_id: String,
}

impl Caller {
    pub fn who_am_i(&self, mode: Mode) -> WhoAmI {
        WhoAmI {
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            mode,
            identity_source: self.source.describe().to_string(),
            engines: Vec::new(),
        }
    }
}

/// The identity headers of one request.
#[derive(Debug, Default, Clone)]
pub struct ForwardedHeaders {
    pub token: Option<SecretToken>,
    pub email: Option<String>,
    pub user: Option<String>,
    pub preferred_username: Option<String>,
    pub request_id: Option<String>,
}

impl ForwardedHeaders {
    /// Reads the forwarded headers. A header that is not valid UTF-8 is an error, not "absent":
    /// a garbled token must not silently turn into the default user.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, AppError> {
        let read = |name: &'static str| -> Result<Option<String>, AppError> {
            match headers.get(name) {
                None => Ok(None),
                Some(value) => value
                    .to_str()
                    .map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty()))
                    .map_err(|_| {
                        AppError::Unauthorized(format!("the {name} header is not valid text"))
                    }),
            }
        };
        Ok(Self {
            token: read(HEADER_TOKEN)?.map(SecretToken::new),
            email: read(HEADER_EMAIL)?,
            user: read(HEADER_USER)?,
            preferred_username: read(HEADER_PREFERRED_USERNAME)?,
            request_id: read(HEADER_REQUEST_ID)?,
        })
    }
}

/// The rule that turns headers into a caller, fixed at start-up by the mode.
pub enum IdentityPolicy {
    /// Local users from `local-workspace.toml`, identified by their local token.
    Local { directory: Arc<LocalDirectory> },
    /// A developer's workspace: the forwarded token if present, else the PAT.
    WorkspaceDev { personal_token: Option<SecretToken> },
    /// Deployed app: the forwarded user token or nothing.
    DatabricksApp,
}

impl IdentityPolicy {
    pub fn mode(&self) -> Mode {
        match self {
            IdentityPolicy::Local { .. } => Mode::Local,
            IdentityPolicy::WorkspaceDev { .. } => Mode::WorkspaceDev,
            IdentityPolicy::DatabricksApp => Mode::DatabricksApp,
        }
    }

    /// Resolves the caller of a request, or refuses it (401).
    pub fn resolve(
        &self,
        headers: &ForwardedHeaders,
        request_id: &str,
    ) -> Result<Caller, AppError> {
        let request_id = request_id.to_string();
        match self {
            IdentityPolicy::Local { directory } => match &headers.token {
                Some(token) => {
                    let user = directory.find_by_token(token.expose()).ok_or_else(|| {
                        AppError::Unauthorized(
                            "the forwarded access token does not belong to any user of the local workspace"
                                .to_string(),
                        )
                    })?;
                    if let Some(email) = &headers.email
                        && !email.eq_ignore_ascii_case(&user.email)
                    {
                        return Err(AppError::Unauthorized(
                            "the forwarded email does not match the user of the forwarded access token"
                                .to_string(),
                        ));
                    }
                    Ok(Caller {
                        email: user.email.clone(),
                        user_name: headers.user.clone(),
                        display_name: headers
                            .preferred_username
                            .clone()
                            .or_else(|| user.display_name.clone()),
                        token: None,
                        source: IdentitySource::ForwardedToken,
                        request_id,
                    })
                }
                None if headers.email.is_some() || headers.user.is_some() => Err(AppError::Unauthorized(
                    "a forwarded user identity arrived without its access token; refusing to guess who you are"
                        .to_string(),
                )),
                None => {
                    let user = directory.default_user().ok_or_else(|| {
                        AppError::Unauthorized("the local workspace has no default user".to_string())
                    })?;
                    Ok(Caller {
                        email: user.email.clone(),
                        user_name: None,
                        display_name: user.display_name.clone(),
                        token: None,
                        source: IdentitySource::DefaultLocalUser,
                        request_id,
                    })
                }
            },
            // No proxy vouches for forwarded identity headers here: the e-mail is left empty, so
            // it is read from SCIM `Me` with the token itself (see `RequestContext::resolve`).
            IdentityPolicy::WorkspaceDev { personal_token } => match (&headers.token, personal_token) {
                (Some(token), _) => Ok(Caller {
                    email: String::new(),
                    user_name: None,
                    display_name: None,
                    token: Some(token.clone()),
                    source: IdentitySource::ForwardedToken,
                    request_id,
                }),
                (None, Some(pat)) => Ok(Caller {
                    email: String::new(),
                    user_name: None,
                    display_name: None,
                    token: Some(pat.clone()),
                    source: IdentitySource::PersonalAccessToken,
                    request_id,
                }),
                (None, None) => Err(AppError::Unauthorized(
                    "no user token: forward x-forwarded-access-token or set DATABRICKS_TOKEN for local development"
                        .to_string(),
                )),
            },
            IdentityPolicy::DatabricksApp => match &headers.token {
                Some(token) => Ok(forwarded_caller(headers, token.clone(), request_id)),
                None => Err(AppError::Unauthorized(
                    "no user token was forwarded: the app needs user authorization with the sql scope \
                     (user_api_scopes: [sql]) and must be opened through its Databricks Apps URL"
                        .to_string(),
                )),
            },
        }
    }
}

fn forwarded_caller(headers: &ForwardedHeaders, token: SecretToken, request_id: String) -> Caller {
    Caller {
        email: headers
            .email
            .clone()
            .or_else(|| headers.user.clone())
            .unwrap_or_default(),
        user_name: headers.user.clone(),
        display_name: headers.preferred_username.clone(),
        token: Some(token),
        source: IdentitySource::ForwardedToken,
        request_id,
    }
}

/// A caller with only an e-mail (no token), for the crate's unit tests.
#[cfg(test)]
pub(crate) fn test_caller(email: &str) -> Caller {
    Caller {
        email: email.into(),
        user_name: None,
        display_name: None,
        token: None,
        source: IdentitySource::ForwardedToken,
        request_id: "test".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::workspace::local::directory::LocalDirectory;

    fn local() -> IdentityPolicy {
        IdentityPolicy::Local {
            directory: Arc::new(LocalDirectory::default_directory()),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> ForwardedHeaders {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        ForwardedHeaders::from_headers(&map).unwrap()
    }

    #[test]
    fn local_without_headers_is_the_default_user() {
        let caller = local().resolve(&headers(&[]), "r1").unwrap();
        assert_eq!(caller.email, "dev@localhost");
        assert_eq!(caller.source, IdentitySource::DefaultLocalUser);
        assert_eq!(caller.request_id, "r1");
    }

    #[test]
    fn local_token_selects_its_user() {
        let caller = local()
            .resolve(
                &headers(&[
                    (HEADER_TOKEN, "local-bob"),
                    (HEADER_EMAIL, "bob@example.com"),
                ]),
                "r",
            )
            .unwrap();
        assert_eq!(caller.email, "bob@example.com");
        assert_eq!(caller.source, IdentitySource::ForwardedToken);
    }

    #[test]
    fn local_unknown_token_is_refused() {
        let err = local()
            .resolve(&headers(&[(HEADER_TOKEN, "local-mallory")]), "r")
            .unwrap_err();
        assert!(matches!(err, AppError::Unauthorized(_)));
        assert!(
            !err.to_string().contains("local-mallory"),
            "the token must not be echoed"
        );
    }

    #[test]
    fn local_email_that_contradicts_the_token_is_refused() {
        let err = local()
            .resolve(
                &headers(&[
                    (HEADER_TOKEN, "local-bob"),
                    (HEADER_EMAIL, "alice@example.com"),
                ]),
                "r",
            )
            .unwrap_err();
        assert!(matches!(err, AppError::Unauthorized(_)));
    }

    #[test]
    fn local_identity_without_token_is_refused() {
        let err = local()
            .resolve(&headers(&[(HEADER_EMAIL, "alice@example.com")]), "r")
            .unwrap_err();
        assert!(matches!(err, AppError::Unauthorized(_)));
    }

    #[test]
    fn apps_mode_fails_closed_without_a_token() {
        let err = IdentityPolicy::DatabricksApp
            .resolve(&headers(&[(HEADER_EMAIL, "alice@example.com")]), "r")
            .unwrap_err();
        assert!(matches!(err, AppError::Unauthorized(_)));
    }

    #[test]
    fn apps_mode_uses_the_forwarded_token_and_email() {
        let caller = IdentityPolicy::DatabricksApp
            .resolve(
                &headers(&[
                    (HEADER_TOKEN, "user-oauth-token"),
                    (HEADER_EMAIL, "alice@example.com"),
                ]),
                "r",
            )
            .unwrap();
        assert_eq!(caller.email, "alice@example.com");
        assert_eq!(
            caller.token.as_ref().map(|t| t.expose()),
            Some("user-oauth-token")
        );
        assert!(!format!("{caller:?}").contains("user-oauth-token"));
    }

    #[test]
    fn workspace_dev_prefers_the_forwarded_token_over_the_pat() {
        let policy = IdentityPolicy::WorkspaceDev {
            personal_token: Some(SecretToken::new("dapi-pat")),
        };
        let forwarded = policy
            .resolve(&headers(&[(HEADER_TOKEN, "user-token")]), "r")
            .unwrap();
        assert_eq!(forwarded.token.unwrap().expose(), "user-token");
        let pat = policy.resolve(&headers(&[]), "r").unwrap();
        assert_eq!(pat.token.unwrap().expose(), "dapi-pat");
        assert_eq!(pat.source, IdentitySource::PersonalAccessToken);
        // A forwarded e-mail is not believed without a proxy: SCIM Me decides.
        let spoofed = policy
            .resolve(&headers(&[(HEADER_EMAIL, "boss@example.com")]), "r")
            .unwrap();
        assert_eq!(spoofed.email, "");

        let none = IdentityPolicy::WorkspaceDev {
            personal_token: None,
        };
        assert!(matches!(
            none.resolve(&headers(&[]), "r"),
            Err(AppError::Unauthorized(_))
        ));
    }

    #[test]
    fn garbled_header_is_an_error_not_an_absence() {
        let mut map = HeaderMap::new();
        map.insert(
            HEADER_TOKEN,
            axum::http::HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        );
        assert!(ForwardedHeaders::from_headers(&map).is_err());
    }
}
