//! Reporters. Each reads only `ScenarioReport`s, which `run` has already redacted.

pub mod bound;
pub mod event;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod redact;
pub mod replay;
pub mod secret;
pub mod summary;

/// The driver of a driver-mode run, as its hello named it: the JSON report, the JUnit properties
/// and the human banner show it, so a gate's report says which client build it judged.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DriverInfo {
    pub protocol: u64,
    pub name: String,
    pub version: String,
    pub client: ClientInfo,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientInfo {
    pub name: String,
    pub version: String,
}

impl DriverInfo {
    pub fn from_hello(h: &crate::driver::protocol::Hello) -> DriverInfo {
        DriverInfo {
            protocol: h.protocol,
            name: h.driver.name.clone(),
            version: h.driver.version.clone(),
            client: ClientInfo {
                name: h.client.name.clone(),
                version: h.client.version.clone(),
            },
        }
    }
}
