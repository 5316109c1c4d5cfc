//! The notice framework: notice.log rows with Zeek's columns, and Zeek's
//! suppression by `$identifier` (one notice per note and identifier within
//! `suppress_for`), so one incident is one notice.

use crate::state::Table;
use records::{Enum, Interval, Port, Set, Time};
use std::net::IpAddr;

records::record! {
    /// One notice.log row (Zeek's `Notice::Info`).
    #[derive(Debug, Clone)]
    pub struct NoticeRecord : "notice" {
        pub ts: Time = "ts",
        pub uid: Option<String> = "uid",
        pub orig_h: Option<IpAddr> = "id.orig_h",
        pub orig_p: Option<Port> = "id.orig_p",
        pub resp_h: Option<IpAddr> = "id.resp_h",
        pub resp_p: Option<Port> = "id.resp_p",
        pub fuid: Option<String> = "fuid",
        pub file_mime_type: Option<String> = "file_mime_type",
        pub file_desc: Option<String> = "file_desc",
        pub proto: Option<Enum> = "proto",
        pub note: Enum = "note",
        pub msg: Option<String> = "msg",
        pub sub: Option<String> = "sub",
        pub src: Option<IpAddr> = "src",
        pub dst: Option<IpAddr> = "dst",
        pub p: Option<Port> = "p",
        pub n: Option<u64> = "n",
        pub peer_descr: Option<String> = "peer_descr",
        pub actions: Set<Enum> = "actions",
        pub email_dest: Set<String> = "email_dest",
        pub suppress_for: Option<Interval> = "suppress_for",
        pub country_code: Option<String> = "remote_location.country_code",
        pub region: Option<String> = "remote_location.region",
        pub city: Option<String> = "remote_location.city",
        pub latitude: Option<f64> = "remote_location.latitude",
        pub longitude: Option<f64> = "remote_location.longitude",
    }
}

/// A transport protocol, as Zeek's `port` type carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
        }
    }

    /// From conn.log's `proto` column.
    pub fn from_name(name: &str) -> Option<Proto> {
        match name {
            "tcp" => Some(Proto::Tcp),
            "udp" => Some(Proto::Udp),
            "icmp" => Some(Proto::Icmp),
            _ => None,
        }
    }
}

/// The connection a notice is about (Zeek's `$conn` / `$id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnRef {
    pub uid: String,
    pub orig_h: IpAddr,
    pub orig_p: u16,
    pub resp_h: IpAddr,
    pub resp_p: u16,
    pub proto: Proto,
}

impl ConnRef {
    pub fn of(c: &flow::ConnRecord) -> Option<ConnRef> {
        Some(ConnRef {
            uid: c.uid.clone(),
            orig_h: c.orig_h,
            orig_p: c.orig_p.0,
            resp_h: c.resp_h,
            resp_p: c.resp_p.0,
            proto: Proto::from_name(c.proto.0)?,
        })
    }
}

/// What a detection raises: Zeek's `NOTICE(Notice::Info(...))` arguments.
/// Unset fields are filled the way Zeek's `Notice::apply_policy` fills
/// them (src/dst/p from the connection, proto from the port).
#[derive(Debug, Clone)]
pub struct Notice {
    /// Network time of the notice (Zeek's `network_time()` when raised).
    pub ts: Time,
    pub note: &'static str,
    pub msg: String,
    pub sub: Option<String>,
    pub conn: Option<ConnRef>,
    /// A connection named without its endpoints (Zeek's `$uid`).
    pub uid: Option<String>,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub p: Option<(u16, Proto)>,
    pub n: Option<u64>,
    /// Notices with the same note and identifier are suppressed for
    /// `suppress_for` after the first.
    pub identifier: Option<String>,
    /// Nanoseconds; the framework's default when unset.
    pub suppress_for: Option<i64>,
}

impl Notice {
    pub fn new(ts: Time, note: &'static str, msg: String) -> Notice {
        Notice {
            ts,
            note,
            msg,
            sub: None,
            conn: None,
            uid: None,
            src: None,
            dst: None,
            p: None,
            n: None,
            identifier: None,
            suppress_for: None,
        }
    }

    /// Fills the record the way `Notice::apply_policy` does.
    fn into_record(self, default_suppress: i64) -> NoticeRecord {
        let conn = self.conn;
        let src = self.src.or(conn.as_ref().map(|c| c.orig_h));
        let dst = self.dst.or(conn.as_ref().map(|c| c.resp_h));
        let p = self.p.or(conn.as_ref().map(|c| (c.resp_p, c.proto)));
        NoticeRecord {
            ts: self.ts,
            uid: conn.as_ref().map(|c| c.uid.clone()).or(self.uid),
            orig_h: conn.as_ref().map(|c| c.orig_h),
            orig_p: conn.as_ref().map(|c| Port(c.orig_p)),
            resp_h: conn.as_ref().map(|c| c.resp_h),
            resp_p: conn.as_ref().map(|c| Port(c.resp_p)),
            fuid: None,
            file_mime_type: None,
            file_desc: None,
            proto: p.map(|(_, proto)| Enum(proto.name())),
            note: Enum(self.note),
            msg: Some(self.msg),
            sub: self.sub,
            src,
            dst,
            p: p.map(|(port, _)| Port(port)),
            n: self.n,
            peer_descr: None,
            actions: Set(vec![Enum("Notice::ACTION_LOG")]),
            email_dest: Set(Vec::new()),
            suppress_for: Some(Interval(self.suppress_for.unwrap_or(default_suppress))),
            country_code: None,
            region: None,
            city: None,
            latitude: None,
            longitude: None,
        }
    }
}

/// Most (note, identifier) suppressions remembered at once.
const MAX_SUPPRESSIONS: usize = 100_000;

/// Raises notices: applies suppression and keeps the rows to write.
pub struct Notices {
    default_suppress: i64,
    /// (note, identifier) → end of its suppression.
    suppressing: Table<(&'static str, String), Time>,
    out: Vec<NoticeRecord>,
    /// intel.log rows (the intel framework's hits).
    intel: Vec<crate::IntelRecord>,
    /// Notices dropped because an earlier one with the same identifier is
    /// still suppressing them.
    pub suppressed: u64,
}

impl Notices {
    /// `default_suppress`: Zeek's `Notice::default_suppression_interval`
    /// (nanoseconds).
    pub fn new(default_suppress: i64) -> Notices {
        Notices {
            default_suppress,
            suppressing: Table::new(MAX_SUPPRESSIONS),
            out: Vec::new(),
            intel: Vec::new(),
            suppressed: 0,
        }
    }

    /// Zeek's `NOTICE`: dropped while a notice with the same note and
    /// identifier suppresses it; otherwise logged and, with an identifier
    /// and a non-zero `suppress_for`, suppressing its successors.
    pub fn raise(&mut self, n: Notice) {
        let now = n.ts;
        let suppress_for = n.suppress_for.unwrap_or(self.default_suppress);
        if let Some(id) = &n.identifier {
            let key = (n.note, id.clone());
            if self.suppressing.get(&key).is_some_and(|until| now < *until) {
                self.suppressed += 1;
                return;
            }
            if suppress_for > 0 {
                self.suppressing
                    .insert(key, Time(now.0.saturating_add(suppress_for)), now);
            }
        }
        self.out.push(n.into_record(self.default_suppress));
    }

    /// Forgets suppressions that ended before `now`.
    pub fn expire(&mut self, now: Time) {
        self.suppressing.retain(|_, until| *until > now);
    }

    /// An intel.log row.
    pub fn intel(&mut self, row: crate::IntelRecord) {
        self.intel.push(row);
    }

    /// The intel.log rows since the last call.
    pub fn take_intel(&mut self) -> Vec<crate::IntelRecord> {
        std::mem::take(&mut self.intel)
    }

    /// The notices raised since the last call.
    pub fn take(&mut self) -> Vec<NoticeRecord> {
        std::mem::take(&mut self.out)
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Suppressions forgotten early because the table was full.
    pub fn evicted(&self) -> u64 {
        self.suppressing.evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use records::{write_tsv_row, Schema};

    const SEC: i64 = 1_000_000_000;

    fn guessing(ts: i64) -> Notice {
        let mut n = Notice::new(
            Time(ts),
            "SSH::Password_Guessing",
            "1.2.3.4 appears to be guessing SSH passwords (seen in 10 connections).".into(),
        );
        n.src = Some("1.2.3.4".parse().unwrap());
        n.identifier = Some("1.2.3.4".into());
        n
    }

    #[test]
    fn header_and_row_are_zeeks() {
        let schema = Schema::new::<NoticeRecord>(&[]);
        assert_eq!(
            schema.names_joined("\t"),
            "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tfuid\tfile_mime_type\tfile_desc\tproto\tnote\tmsg\tsub\tsrc\tdst\tp\tn\tpeer_descr\tactions\temail_dest\tsuppress_for\tremote_location.country_code\tremote_location.region\tremote_location.city\tremote_location.latitude\tremote_location.longitude"
        );
        assert_eq!(
            schema.types_joined("\t"),
            "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tenum\tenum\tstring\tstring\taddr\taddr\tport\tcount\tstring\tset[enum]\tset[string]\tinterval\tstring\tstring\tstring\tdouble\tdouble"
        );
        let mut notices = Notices::new(3600 * SEC);
        notices.raise(guessing(SEC));
        let mut row = Vec::new();
        write_tsv_row(&notices.take()[0], &schema, &mut row);
        assert_eq!(
            String::from_utf8(row).unwrap(),
            "1.000000\t-\t-\t-\t-\t-\t-\t-\t-\t-\tSSH::Password_Guessing\t1.2.3.4 appears to be guessing SSH passwords (seen in 10 connections).\t-\t1.2.3.4\t-\t-\t-\t-\tNotice::ACTION_LOG\t(empty)\t3600.000000\t-\t-\t-\t-\t-\n"
        );
    }

    #[test]
    fn connection_fills_src_dst_port_and_proto() {
        let mut n = guessing(SEC);
        n.src = None;
        n.conn = Some(ConnRef {
            uid: "CAbc".into(),
            orig_h: "10.0.0.1".parse().unwrap(),
            orig_p: 40000,
            resp_h: "10.0.0.2".parse().unwrap(),
            resp_p: 22,
            proto: Proto::Tcp,
        });
        let r = n.into_record(60 * SEC);
        assert_eq!(r.uid.as_deref(), Some("CAbc"));
        assert_eq!(r.src, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(r.dst, Some("10.0.0.2".parse().unwrap()));
        assert_eq!((r.p, r.proto), (Some(Port(22)), Some(Enum("tcp"))));
    }

    #[test]
    fn same_identifier_is_suppressed_for_suppress_for() {
        let mut notices = Notices::new(3600 * SEC);
        notices.raise(guessing(0));
        notices.raise(guessing(3599 * SEC));
        assert_eq!((notices.take().len(), notices.suppressed), (1, 1));
        notices.raise(guessing(3600 * SEC));
        assert_eq!(
            notices.take().len(),
            1,
            "suppression ends after suppress_for"
        );
        let mut other = guessing(3601 * SEC);
        other.identifier = Some("5.6.7.8".into());
        notices.raise(other);
        assert_eq!(
            notices.take().len(),
            1,
            "another identifier is another incident"
        );
    }

    #[test]
    fn no_identifier_or_zero_suppression_never_suppresses() {
        let mut notices = Notices::new(3600 * SEC);
        let mut n = guessing(0);
        n.identifier = None;
        notices.raise(n.clone());
        notices.raise(n);
        let mut z = guessing(0);
        z.suppress_for = Some(0);
        notices.raise(z.clone());
        notices.raise(z);
        assert_eq!(notices.take().len(), 4);
    }
}
