//! The detections stage. Detections consume the typed records the log
//! writers see (conn.log, dns.log, ssh.log, ...) — never packets — keep
//! per-key state in windows of network time with a memory cap each, and
//! raise notices, written to notice.log with Zeek's columns and Zeek's
//! suppression by identifier.
//!
//! * [`Engine`]: routes records to detections, keeps network time,
//!   collects notices.
//! * [`Detection`]: one detection (a module in [`detections`], registered
//!   in [`detections::BUILTINS`]).
//! * [`Plan`]: which detections run with which options — defaults, the
//!   Zeek way (`@load`, `redef`) and the TOML config.
//! * [`notice`]: notice.log and suppression; [`state`]: bounded per-key
//!   state and time windows; [`allow`]: allowlists.

pub mod allow;
pub mod config;
pub mod detections;
pub mod domain;
pub mod engine;
pub mod intel;
pub mod names;
pub mod notice;
pub mod settings;
pub mod state;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod scenarios;

pub use config::Plan;
pub use engine::{Ctx, Detection, Engine, EngineStats, Observed};
pub use intel::log::IntelRecord;
pub use notice::{Notice, NoticeRecord, Notices};
