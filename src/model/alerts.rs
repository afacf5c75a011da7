//! Alerts in DQX 0.17's form (`DQAction` binding a `DQAlert` to a condition): destinations
//! (webhook, Slack, Teams), frequency (always/hourly/daily) and notify-on (each/status change),
//! serialised as DQX's `ActionSerializer.to_dict` writes `action_json`, so a pipeline that loads
//! actions with DQX fires the same alerts; and the log of their deliveries.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Alerts one table keeps at most.
pub const MAX_ALERTS_PER_TABLE: usize = 20;
/// Destinations one alert has at most.
pub const MAX_DESTINATIONS: usize = 5;
/// Longest alert name and destination URL accepted.
pub const MAX_ALERT_NAME_CHARS: usize = 100;
pub const MAX_URL_CHARS: usize = 2000;
/// Deliveries `alert_deliveries` answers at most.
pub const MAX_DELIVERIES: u32 = 500;

/// Where an alert is sent (DQX's destination types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DestinationKind {
    Webhook,
    Slack,
    Teams,
}

impl DestinationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DestinationKind::Webhook => "webhook",
            DestinationKind::Slack => "slack",
            DestinationKind::Teams => "teams",
        }
    }

    /// The hosts DQX delivers this kind to (`allowed_host_suffixes`); none for any host.
    pub fn host_suffixes(self) -> &'static [&'static str] {
        match self {
            DestinationKind::Webhook => &[],
            DestinationKind::Slack => &["hooks.slack.com"],
            DestinationKind::Teams => &["logic.azure.com", "environment.api.powerplatform.com"],
        }
    }
}

/// One destination as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Destination {
    pub kind: DestinationKind,
    pub url: String,
}

impl Destination {
    /// The destination as the delivery log names it: its kind and URL without secret parts
    /// (`webhook https://example.com/…`).
    pub fn shown(&self) -> String {
        format!("{} {}", self.kind.as_str(), shown_url(&self.url))
    }
}

/// How often an alert may fire (`DQAlertFrequency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    #[default]
    Always,
    Hourly,
    Daily,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Always => "always",
            Frequency::Hourly => "hourly",
            Frequency::Daily => "daily",
        }
    }

    /// The least time between two firings, in seconds.
    pub fn window_secs(self) -> i64 {
        match self {
            Frequency::Always => 0,
            Frequency::Hourly => 3600,
            Frequency::Daily => 24 * 3600,
        }
    }
}

/// Which firings notify (`NotifyOn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyOn {
    #[default]
    Each,
    StatusChange,
}

impl NotifyOn {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyOn::Each => "each",
            NotifyOn::StatusChange => "status_change",
        }
    }
}

/// An alert as its owner defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSpec {
    pub table: String,
    pub name: String,
    /// DQX's condition over the run's metrics, e.g. `error_row_count > 0`.
    pub condition: String,
    pub destinations: Vec<Destination>,
    #[serde(default)]
    pub frequency: Frequency,
    #[serde(default)]
    pub notify_on: NotifyOn,
    /// DQX's free-text severity (`error` by default).
    #[serde(default = "default_severity")]
    pub severity: String,
}

fn default_severity() -> String {
    "error".into()
}

impl AlertSpec {
    /// The destination names DQX requires to be unique: the kind, numbered from the second.
    pub fn destination_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for d in &self.destinations {
            let base = d.kind.as_str();
            let taken = names
                .iter()
                .filter(|n| n.split('-').next() == Some(base))
                .count();
            names.push(if taken == 0 {
                base.to_string()
            } else {
                format!("{base}-{}", taken + 1)
            });
        }
        names
    }

    /// The alert as DQX's `ActionSerializer.to_dict` writes it (`action_json`).
    pub fn action_json(&self) -> Value {
        let destinations: Vec<Value> = self
            .destinations
            .iter()
            .zip(self.destination_names())
            .map(|(d, name)| match d.kind {
                DestinationKind::Webhook => json!({"name": name, "webhook_url": d.url,
                    "type": "webhook", "username": null, "password": null}),
                kind => json!({"name": name, "webhook_url": d.url, "type": kind.as_str()}),
            })
            .collect();
        json!({
            "action": {
                "name": self.name,
                "type": "alert",
                "destinations": destinations,
                "alert_frequency": self.frequency.as_str(),
                "notify_on": self.notify_on.as_str(),
                "severity": self.severity,
            },
            "condition": self.condition,
            "name": self.name,
        })
    }

    /// Reads an alert back from DQX's `action_json` (the table is the run config it is stored
    /// under); `None` for actions that are not alerts or not in this shape.
    pub fn from_action_json(table: &str, action: &Value) -> Option<Self> {
        let inner = action.get("action")?;
        if inner.get("type")?.as_str()? != "alert" {
            return None;
        }
        let destinations = inner
            .get("destinations")?
            .as_array()?
            .iter()
            .filter_map(|d| {
                let kind = serde_json::from_value(d.get("type")?.clone()).ok()?;
                Some(Destination {
                    kind,
                    url: d.get("webhook_url")?.as_str()?.to_string(),
                })
            })
            .collect();
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        Some(Self {
            table: table.to_string(),
            name: text(action.get("name")).or_else(|| text(inner.get("name")))?,
            condition: text(action.get("condition")).unwrap_or_default(),
            destinations,
            frequency: serde_json::from_value(inner.get("alert_frequency")?.clone())
                .unwrap_or_default(),
            notify_on: serde_json::from_value(inner.get("notify_on")?.clone()).unwrap_or_default(),
            severity: text(inner.get("severity")).unwrap_or_else(default_severity),
        })
    }
}

/// A destination as shown: its kind and where it goes, without the URL's secret parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownDestination {
    pub kind: DestinationKind,
    /// `https://host/…`: scheme and host only.
    pub url: String,
}

/// An alert as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub table: String,
    pub name: String,
    pub condition: String,
    pub destinations: Vec<ShownDestination>,
    pub frequency: Frequency,
    pub notify_on: NotifyOn,
    pub severity: String,
    pub owner: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// DQX's `action_json` with every URL shown as above (what a pipeline loads, secrets hidden).
    pub action_json: Value,
}

/// Alerts of the tables the viewer may read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertList {
    pub alerts: Vec<Alert>,
}

/// What happened to one delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryOutcome {
    Sent,
    /// Failed; another attempt follows.
    Retried,
    /// Failed for good.
    Failed,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Sent => "sent",
            DeliveryOutcome::Retried => "retried",
            DeliveryOutcome::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "sent" => DeliveryOutcome::Sent,
            "retried" => DeliveryOutcome::Retried,
            _ => DeliveryOutcome::Failed,
        }
    }
}

/// One delivery attempt, linked to its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub table: String,
    pub alert: String,
    pub run_id: String,
    /// The destination as shown (`ShownDestination::url`).
    pub destination: String,
    pub outcome: DeliveryOutcome,
    pub attempt: u32,
    /// Why it failed, in words (never the URL).
    pub reason: Option<String>,
    /// RFC 3339, UTC.
    pub at: String,
}

/// Deliveries, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryList {
    pub deliveries: Vec<Delivery>,
}

/// A URL without its secret parts: scheme and host (and port) only.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".into();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}/…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_json_is_what_dqxs_serializer_writes_and_reads_back() {
        let spec = AlertSpec {
            table: "main.sales.orders".into(),
            name: "orders_errors".into(),
            condition: "error_row_count > 0".into(),
            destinations: vec![
                Destination {
                    kind: DestinationKind::Webhook,
                    url: "https://example.com/x".into(),
                },
                Destination {
                    kind: DestinationKind::Slack,
                    url: "https://hooks.slack.com/services/T/B/C".into(),
                },
                Destination {
                    kind: DestinationKind::Webhook,
                    url: "https://example.org/y".into(),
                },
            ],
            frequency: Frequency::Hourly,
            notify_on: NotifyOn::StatusChange,
            severity: "warning".into(),
        };
        let json = spec.action_json();
        assert_eq!(json["action"]["type"], "alert");
        assert_eq!(json["action"]["alert_frequency"], "hourly");
        assert_eq!(json["action"]["notify_on"], "status_change");
        let names: Vec<&str> = json["action"]["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["webhook", "slack", "webhook-2"]);
        assert_eq!(
            AlertSpec::from_action_json("main.sales.orders", &json),
            Some(spec)
        );
    }

    #[test]
    fn shown_urls_keep_no_secret_part() {
        assert_eq!(
            shown_url("https://hooks.slack.com/services/T000/B000/XXXX?x=1"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            shown_url("https://user:pw@example.com:8443/a"),
            "https://example.com:8443/…"
        );
    }
}
