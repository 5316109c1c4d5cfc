//! Detections that judge each connection on its own when it is logged
//! (long connections, large transfers): one rule each, the rest shared —
//! the external-only filter, allowlists (addresses and the server's name)
//! and the notice, identified by the pair and port.

use crate::config::{Builtin, Setup, Shared};
use crate::detections::{allowed, conn_desc, has_external_end};
use crate::engine::{conn_end, Ctx, Detection, Observed};
use crate::notice::{ConnRef, Notices};
use flow::ConnRecord;

/// What a rule reports about a connection.
pub struct Finding {
    pub note: &'static str,
    pub msg: String,
    pub n: Option<u64>,
}

/// One per-connection rule: its options are the type implementing it.
pub trait ConnRule: Clone + Send + Sync + 'static {
    /// Only connections with an end outside the local networks count.
    fn external_only(&self) -> bool;
    /// Whether the connection is one to report (cheap: most are not).
    fn matches(&self, c: &ConnRecord) -> bool;
    /// The report; `desc` names the connection and its server.
    fn finding(&self, c: &ConnRecord, desc: String) -> Finding;
}

struct PerConn<T> {
    cfg: Setup<T>,
}

/// The detection running rule `T` with its configuration.
pub fn build<T: ConnRule>(b: &Builtin<T>, shared: &Shared) -> Box<dyn Detection> {
    Box::new(PerConn {
        cfg: b.setup(shared),
    })
}

impl<T: ConnRule> Detection for PerConn<T> {
    fn topics(&self) -> &'static [&'static str] {
        &["conn"]
    }

    fn wants_names(&self) -> bool {
        true
    }

    fn observe(&mut self, rec: &Observed, cx: &Ctx, out: &mut Notices) {
        let Observed::Conn(c) = rec else { return };
        let rule = &self.cfg.opts;
        if !rule.matches(c) || (rule.external_only() && !has_external_end(c, cx)) {
            return;
        }
        let Some(cref) = ConnRef::of(c) else { return };
        if allowed(&self.cfg.allow, &cref, cx) {
            return;
        }
        let f = rule.finding(c, conn_desc(&cref, cx.names.get(cref.resp_h)));
        let id = format!("{}-{}:{}", cref.orig_h, cref.resp_h, cref.resp_p);
        let mut n = self.cfg.notice(conn_end(c), f.note, f.msg, id);
        n.n = f.n;
        n.conn = Some(cref);
        out.raise(n);
    }

    fn evicted(&self) -> u64 {
        0
    }
}
