//! Where rules meet records: which log a `logsource` means, which column a
//! field name means (Zeek's names, and the taxonomy names SigmaHQ's Zeek
//! rules and backends use), and the values of the columns rules read,
//! taken from each record into reused buffers.

use crate::engine::Observed;
use analyzers::dns::DnsRecord;
use analyzers::files::FilesRecord;
use analyzers::ftp::FtpRecord;
use analyzers::http::HttpRecord;
use analyzers::smtp::SmtpRecord;
use analyzers::ssh::SshRecord;
use analyzers::ssl::SslRecord;
use analyzers::websocket::WebsocketRecord;
use analyzers::x509::X509Record;
use analyzers::{AnalyzerRecord, AppRecord};
use flow::{ConnRecord, WeirdRecord};
use records::{Column, DynValue, Record};
use std::ops::Range;

/// The logs rules can read, by path.
const LOGS: &[&str] = &[
    "conn",
    "dns",
    "http",
    "ssl",
    "x509",
    "ssh",
    "smtp",
    "ftp",
    "files",
    "websocket",
    "analyzer",
    "weird",
];

/// The log a rule's `logsource` means: `product: zeek` with a `service`
/// (Zeek's log name; `tls` for ssl), or a generic `category` as SigmaHQ's
/// Zeek mappings rewrite them.
pub fn log_of(
    product: Option<&str>,
    service: Option<&str>,
    category: Option<&str>,
) -> Result<&'static str, String> {
    if let Some(p) = product {
        if !p.eq_ignore_ascii_case("zeek") {
            return Err(format!("logsource product `{p}` is not zeek"));
        }
    }
    let name = match (service, category) {
        (Some(s), _) => match s.to_ascii_lowercase().as_str() {
            "tls" => "ssl".to_string(),
            s => s.to_string(),
        },
        (None, Some(c)) => match c.to_ascii_lowercase().as_str() {
            "firewall" | "network_connection" => "conn".into(),
            "dns" | "dns_query" => "dns".into(),
            "proxy" | "webserver" => "http".into(),
            c => return Err(format!("logsource category `{c}` has no Zeek log")),
        },
        (None, None) => {
            return Err("logsource needs a service (a Zeek log: dns, http, conn, ...)".into())
        }
    };
    LOGS.iter().find(|l| **l == name).copied().ok_or_else(|| {
        format!(
            "rules cannot read {name}.log (they read {})",
            LOGS.join(", ")
        )
    })
}

/// The columns of a log (every column, in record order).
pub fn columns_of(log: &str) -> Vec<Column> {
    match log {
        "conn" => ConnRecord::columns(),
        "dns" => DnsRecord::columns(),
        "http" => HttpRecord::columns(),
        "ssl" => SslRecord::columns(),
        "x509" => X509Record::columns(),
        "ssh" => SshRecord::columns(),
        "smtp" => SmtpRecord::columns(),
        "ftp" => FtpRecord::columns(),
        "files" => FilesRecord::columns(),
        "websocket" => WebsocketRecord::columns(),
        "analyzer" => AnalyzerRecord::columns(),
        "weird" => WeirdRecord::columns(),
        _ => Vec::new(),
    }
}

/// Calls `f(column, value)` for every column of a record.
fn visit(rec: &Observed, f: &mut dyn FnMut(usize, &dyn DynValue)) {
    match rec {
        Observed::Conn(c) => c.visit(f),
        Observed::App(a) => match a {
            AppRecord::Dns(r) => r.visit(f),
            AppRecord::Http(r) => r.visit(f),
            AppRecord::Ssl(r) => r.visit(f),
            AppRecord::X509(r) => r.visit(f),
            AppRecord::Ssh(r) => r.visit(f),
            AppRecord::Smtp(r) => r.visit(f),
            AppRecord::Ftp(r) => r.visit(f),
            AppRecord::Files(r) => r.visit(f),
            AppRecord::Websocket(r) => r.visit(f),
            AppRecord::Analyzer(r) => r.visit(f),
            AppRecord::SmbMapping(r) => r.visit(f),
            AppRecord::Software(_)
            | AppRecord::Weird(_)
            | AppRecord::Tunnel(_)
            | AppRecord::Notice(_) => {}
        },
        Observed::Weird(w) => w.visit(f),
    }
}

/// Field names of the Sigma taxonomy (and of SigmaHQ's Zeek field
/// mappings) and the Zeek column each means.
const ALIASES: &[(&str, &str)] = &[
    ("src_ip", "id.orig_h"),
    ("src_port", "id.orig_p"),
    ("dst_ip", "id.resp_h"),
    ("dst_port", "id.resp_p"),
    ("id_orig_h", "id.orig_h"),
    ("id_orig_p", "id.orig_p"),
    ("id_resp_h", "id.resp_h"),
    ("id_resp_p", "id.resp_p"),
    ("network_protocol", "proto"),
    ("answer", "answers"),
    ("record_type", "qtype_name"),
    ("c-uri", "uri"),
    ("c-uri-extension", "uri"),
    ("c-uri-query", "uri"),
    ("c-uri-stem", "uri"),
    ("c-useragent", "user_agent"),
    ("cs-host", "host"),
    ("r-dns", "host"),
    ("cs-method", "method"),
    ("cs-referrer", "referrer"),
    ("cs-version", "version"),
    ("sc-status", "status_code"),
    ("cs-bytes", "request_body_len"),
    ("sc-bytes", "response_body_len"),
];

/// The Zeek column name a field name means (itself unless an alias).
pub fn zeek_name(field: &str) -> &str {
    ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(field))
        .map_or(field, |(_, z)| z)
}

/// The columns of one log that rules read, each given a slot.
#[derive(Debug, Clone)]
pub struct LogFields {
    pub log: &'static str,
    columns: Vec<Column>,
    /// Per column: its slot, if a rule reads it.
    slot_of: Vec<Option<usize>>,
    /// Per slot: its column.
    slots: Vec<usize>,
}

impl LogFields {
    pub fn new(log: &'static str) -> LogFields {
        let columns = columns_of(log);
        LogFields {
            log,
            slot_of: vec![None; columns.len()],
            columns,
            slots: Vec::new(),
        }
    }

    /// The slot of a field (by Zeek name or alias), allotting one.
    pub fn slot(&mut self, field: &str) -> Result<usize, String> {
        let name = zeek_name(field);
        let col = self
            .columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| format!("{}.log has no field `{field}`", self.log))?;
        Ok(self.slot_of_column(col))
    }

    fn slot_of_column(&mut self, col: usize) -> usize {
        if let Some(s) = self.slot_of[col] {
            return s;
        }
        self.slots.push(col);
        self.slot_of[col] = Some(self.slots.len() - 1);
        self.slots.len() - 1
    }

    /// Slots of every text column (what `keywords` search).
    pub fn text_slots(&mut self) -> Vec<usize> {
        let text: Vec<usize> = (0..self.columns.len())
            .filter(|&c| self.columns[c].zeek_type.contains("string"))
            .collect();
        text.into_iter().map(|c| self.slot_of_column(c)).collect()
    }

    /// The Zeek name of a slot's column.
    pub fn name(&self, slot: usize) -> &'static str {
        self.columns[self.slots[slot]].name
    }

    /// The Zeek type of a slot's column (`bool`, `set[string]`, ...).
    pub fn zeek_type(&self, slot: usize) -> &str {
        &self.columns[self.slots[slot]].zeek_type
    }

    /// Slots allotted so far (to undo those of a rule that failed).
    pub fn mark(&self) -> usize {
        self.slots.len()
    }

    pub fn undo_to(&mut self, mark: usize) {
        for col in self.slots.drain(mark..) {
            self.slot_of[col] = None;
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether a slot's column is a set or vector.
    fn is_collection(&self, slot: usize) -> bool {
        let t = &self.columns[self.slots[slot]].zeek_type;
        t.starts_with("set[") || t.starts_with("vector[")
    }
}

/// The values of one record's slots: each a list of elements (one for a
/// scalar, none when unset or empty), as raw bytes.
#[derive(Debug, Default)]
pub struct Values {
    bytes: Vec<Vec<u8>>,
    elems: Vec<Vec<Range<usize>>>,
    set: Vec<bool>,
    collection: Vec<bool>,
    scratch: Vec<u8>,
}

impl Values {
    pub fn new(fields: &LogFields) -> Values {
        let n = fields.len();
        Values {
            bytes: vec![Vec::new(); n],
            elems: vec![Vec::new(); n],
            set: vec![false; n],
            collection: (0..n).map(|s| fields.is_collection(s)).collect(),
            scratch: Vec::new(),
        }
    }

    /// Takes the slots' values from a record; reuses every buffer.
    pub fn load(&mut self, fields: &LogFields, rec: &Observed) {
        self.set.iter_mut().for_each(|s| *s = false);
        visit(rec, &mut |col, v| {
            let Some(slot) = fields.slot_of.get(col).copied().flatten() else {
                return;
            };
            self.elems[slot].clear();
            self.bytes[slot].clear();
            if v.is_unset() {
                return;
            }
            self.set[slot] = true;
            self.scratch.clear();
            v.write_tsv(&mut self.scratch, records::Ctx::default());
            split_unescape(
                &self.scratch,
                self.collection[slot],
                &mut self.bytes[slot],
                &mut self.elems[slot],
            );
        });
    }

    /// Whether the column has a value (Zeek's `-` is none).
    pub fn is_set(&self, slot: usize) -> bool {
        self.set[slot]
    }

    /// The elements of a slot's value.
    pub fn elems(&self, slot: usize) -> impl Iterator<Item = &[u8]> {
        let bytes = &self.bytes[slot];
        self.elems[slot].iter().map(move |r| &bytes[r.clone()])
    }

    /// The value as one text (elements `,`-joined), for messages.
    pub fn text(&self, slot: usize) -> String {
        if !self.set[slot] {
            return "-".into();
        }
        let parts: Vec<String> = self
            .elems(slot)
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .collect();
        parts.join(",")
    }
}

/// Zeek's TSV form back to bytes: `(empty)` is nothing, `\\` a backslash,
/// `\xNN` a byte; in a collection an unescaped `,` separates elements.
fn split_unescape(tsv: &[u8], collection: bool, out: &mut Vec<u8>, elems: &mut Vec<Range<usize>>) {
    if tsv == b"(empty)" {
        if !collection {
            elems.push(0..0);
        }
        return;
    }
    let mut start = 0;
    let mut i = 0;
    while i < tsv.len() {
        match tsv[i] {
            b',' if collection => {
                elems.push(start..out.len());
                start = out.len();
                i += 1;
            }
            b'\\' if tsv.get(i + 1) == Some(&b'\\') => {
                out.push(b'\\');
                i += 2;
            }
            b'\\' if tsv.get(i + 1) == Some(&b'x') && i + 3 < tsv.len() => {
                match (hex(tsv[i + 2]), hex(tsv[i + 3])) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 4;
                    }
                    _ => {
                        out.push(b'\\');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    elems.push(start..out.len());
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{dns, ok_conn, T0};

    fn all(v: &Values, slot: usize) -> Vec<String> {
        v.elems(slot)
            .map(|e| String::from_utf8_lossy(e).into_owned())
            .collect()
    }

    #[test]
    fn log_sources() {
        assert_eq!(log_of(Some("zeek"), Some("dns"), None), Ok("dns"));
        assert_eq!(log_of(Some("Zeek"), Some("tls"), None), Ok("ssl"));
        assert_eq!(log_of(None, None, Some("proxy")), Ok("http"));
        assert!(log_of(Some("windows"), Some("security"), None).is_err());
        assert!(log_of(Some("zeek"), Some("rdp"), None)
            .unwrap_err()
            .contains("rdp.log"));
        assert!(log_of(Some("zeek"), None, None).is_err());
    }

    #[test]
    fn fields_by_zeek_name_and_alias() {
        let mut f = LogFields::new("http");
        let ua = f.slot("user_agent").unwrap();
        assert_eq!(f.slot("c-useragent").unwrap(), ua);
        assert_eq!(f.slot("dst_ip").unwrap(), f.slot("id.resp_h").unwrap());
        assert_eq!(f.name(ua), "user_agent");
        assert!(f
            .slot("nope")
            .unwrap_err()
            .contains("http.log has no field `nope`"));
        let mark = f.mark();
        f.slot("method").unwrap();
        f.undo_to(mark);
        assert_eq!(f.len(), mark);
    }

    #[test]
    fn values_of_a_record_unescaped_and_split() {
        let mut f = LogFields::new("dns");
        let q = f.slot("query").unwrap();
        let a = f.slot("answers").unwrap();
        let rcode = f.slot("rcode").unwrap();
        let mut v = Values::new(&f);
        let mut rec = dns(
            T0,
            "10.0.0.1",
            "10.0.0.53",
            "a,b\\c.example",
            Some("1.2.3.4"),
        );
        if let Observed::App(AppRecord::Dns(d)) = &mut rec {
            d.answers
                .as_mut()
                .unwrap()
                .push(records::ZString(b"x,y".to_vec()));
        }
        v.load(&f, &rec);
        assert_eq!(all(&v, q), ["a,b\\c.example"]);
        assert_eq!(all(&v, a), ["1.2.3.4", "x,y"]);
        assert!(!v.is_set(rcode));
        assert_eq!(v.text(a), "1.2.3.4,x,y");
        // Reloading reuses the buffers and forgets the old values.
        v.load(&f, &dns(T0, "10.0.0.1", "10.0.0.53", "", None));
        assert_eq!(all(&v, q), [""]);
        assert!(!v.is_set(a));
        let mut c = LogFields::new("conn");
        let p = c.slot("id.resp_p").unwrap();
        let mut v = Values::new(&c);
        v.load(
            &c,
            &Observed::Conn(ok_conn(T0, "10.0.0.1", "192.0.2.1", 443)),
        );
        assert_eq!(all(&v, p), ["443"]);
    }
}
