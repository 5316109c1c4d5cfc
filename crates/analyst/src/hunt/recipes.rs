//! The playbook's plain recipes: rows over a threshold, and counts by
//! group.

use super::{fixed, shown, Ctx, Distinct, Groups, HUNT_TOP};
use crate::log::Row;
use crate::table::{SortKey, Table};
use clap::Args;

const CONN_COLUMNS: [&str; 11] = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
];

/// A column computed from a row.
type Computed<'a> = (&'a str, &'a dyn Fn(&Row, &[Option<usize>]) -> String);

/// conn.log rows that pass `keep`, with a `rank` column (when named)
/// computed from the row; sorted descending on column `sort`.
fn conn_rows(
    cx: &Ctx,
    sort: usize,
    rank: Option<Computed>,
    keep: &dyn Fn(&Row, &[Option<usize>]) -> bool,
) -> Result<Table, String> {
    let mut cols: Vec<&str> = CONN_COLUMNS.to_vec();
    cols.extend(rank.as_ref().map(|(name, _)| *name));
    let mut t = Table::new(&cols, vec![SortKey::desc(sort)], cx.top(HUNT_TOP));
    cx.scan("conn", &CONN_COLUMNS, &mut |row, idx| {
        if keep(row, idx) {
            let mut values: Vec<String> = idx.iter().map(|&i| shown(row, i)).collect();
            values.extend(rank.as_ref().map(|(_, f)| f(row, idx)));
            t.push(values);
        }
    })?;
    t.finish();
    Ok(t)
}

#[derive(Args, Debug)]
pub struct LongConnections {
    /// Seconds a connection must last.
    #[arg(long, default_value_t = 3600.0)]
    pub min_duration: f64,
}

impl LongConnections {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        conn_rows(cx, 8, None, &|row, idx| {
            row.at(idx[8]).f64().is_some_and(|d| d > self.min_duration)
        })
    }
}

#[derive(Args, Debug)]
pub struct LargeTransfers {
    /// Bytes the originator or the responder must send.
    #[arg(long, default_value_t = 100_000_000)]
    pub min_bytes: u64,
}

impl LargeTransfers {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        let bytes = |row: &Row, idx: &[Option<usize>], k: usize| row.at(idx[k]).u64().unwrap_or(0);
        let larger = |row: &Row, idx: &[Option<usize>]| bytes(row, idx, 9).max(bytes(row, idx, 10));
        let rank = |row: &Row, idx: &[Option<usize>]| larger(row, idx).to_string();
        conn_rows(cx, 11, Some(("max_bytes", &rank)), &|row, idx| {
            larger(row, idx) > self.min_bytes
        })
    }
}

#[derive(Args, Debug)]
pub struct RareUserAgents {
    /// Most hosts a user agent may be seen from to be rare.
    #[arg(long, default_value_t = 3)]
    pub max_hosts: usize,
}

#[derive(Default)]
struct Agent {
    hosts: Distinct,
    requests: u64,
    example_host: String,
}

impl RareUserAgents {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        let mut agents: Groups<Vec<u8>, Agent> = Groups::new();
        cx.scan("http", &["user_agent", "id.orig_h"], &mut |row, idx| {
            let Some(ua) = row.at(idx[0]).text() else {
                return;
            };
            let Some(a) = agents.entry(ua.to_vec(), Agent::default) else {
                return;
            };
            a.requests += 1;
            // Past the limit the agent is not rare: stop remembering hosts.
            if a.hosts.len() <= self.max_hosts {
                let host = row.at(idx[1]).shown();
                a.hosts.add(host);
                if a.example_host.is_empty() {
                    a.example_host = String::from_utf8_lossy(host).into_owned();
                }
            }
        })?;
        let cols = ["user_agent", "hosts", "requests", "example_host"];
        let sort = vec![SortKey::asc(1), SortKey::asc(2), SortKey::asc(0)];
        let mut t = Table::new(&cols, sort, cx.top(HUNT_TOP));
        for (ua, a) in agents.finish() {
            if a.hosts.len() <= self.max_hosts {
                t.push(vec![
                    String::from_utf8_lossy(&ua).into_owned(),
                    a.hosts.len().to_string(),
                    a.requests.to_string(),
                    a.example_host,
                ]);
            }
        }
        t.finish();
        Ok(t)
    }
}

#[derive(Args, Debug)]
pub struct BadCerts {
    /// Also list validation statuses that merely could not be checked
    /// ("unable to get local issuer certificate").
    #[arg(long)]
    pub include_unknown_issuer: bool,
}

#[derive(Default)]
struct CertServer {
    connections: u64,
    clients: Distinct,
    first: String,
}

impl BadCerts {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        let names = [
            "id.resp_h",
            "id.resp_p",
            "server_name",
            "validation_status",
            "id.orig_h",
            "ts",
        ];
        let mut servers: Groups<[String; 4], CertServer> = Groups::new();
        cx.scan("ssl", &names, &mut |row, idx| {
            let Some(status) = row.at(idx[3]).str() else {
                return;
            };
            if status == "ok" || (!self.include_unknown_issuer && status.contains("local issuer")) {
                return;
            }
            let key = [0, 1, 2, 3].map(|k| shown(row, idx[k]));
            let Some(s) = servers.entry(key, CertServer::default) else {
                return;
            };
            s.connections += 1;
            s.clients.add(row.at(idx[4]).shown());
            let ts = shown(row, idx[5]);
            if s.first.is_empty() || super::super::table::compare_values(&ts, &s.first).is_lt() {
                s.first = ts;
            }
        })?;
        let cols = [
            "server",
            "port",
            "server_name",
            "validation_status",
            "connections",
            "clients",
            "first_seen",
        ];
        let mut t = Table::new(
            &cols,
            vec![SortKey::desc(4), SortKey::asc(0)],
            cx.top(HUNT_TOP),
        );
        for ([server, port, name, status], s) in servers.finish() {
            let counts = [
                s.connections.to_string(),
                s.clients.len().to_string(),
                s.first,
            ];
            t.push(
                [server, port, name, status]
                    .into_iter()
                    .chain(counts)
                    .collect(),
            );
        }
        t.finish();
        Ok(t)
    }
}

#[derive(Args, Debug)]
pub struct SshBruteforce {
    /// Failed logins a source must have (the guessing detection's limit).
    #[arg(long, default_value_t = default_guess_limit())]
    pub min_failures: u64,
}

fn default_guess_limit() -> u64 {
    detect::detections::ssh_guessing::SshGuessingOptions::default().password_guesses_limit as u64
}

#[derive(Default)]
struct Guesser {
    failures: u64,
    successes: u64,
    servers: Distinct,
    first: f64,
    last: f64,
}

impl SshBruteforce {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        let names = ["id.orig_h", "id.resp_h", "auth_success", "ts"];
        let mut sources: Groups<Vec<u8>, Guesser> = Groups::new();
        cx.scan("ssh", &names, &mut |row, idx| {
            let success = match row.at(idx[2]).text() {
                Some(b"T") => true,
                Some(b"F") => false,
                _ => return,
            };
            let Some(src) = row.at(idx[0]).text() else {
                return;
            };
            let ts = row.at(idx[3]).f64().unwrap_or(0.0);
            let make = || Guesser {
                first: ts,
                last: ts,
                ..Guesser::default()
            };
            let Some(g) = sources.entry(src.to_vec(), make) else {
                return;
            };
            if success {
                g.successes += 1;
            } else {
                g.failures += 1;
                g.servers.add(row.at(idx[1]).shown());
            }
            g.first = g.first.min(ts);
            g.last = g.last.max(ts);
        })?;
        let cols = [
            "source",
            "failures",
            "servers",
            "successes",
            "first",
            "last",
        ];
        let mut t = Table::new(
            &cols,
            vec![SortKey::desc(1), SortKey::asc(0)],
            cx.top(HUNT_TOP),
        );
        for (src, g) in sources.finish() {
            if g.failures >= self.min_failures.max(1) {
                t.push(vec![
                    String::from_utf8_lossy(&src).into_owned(),
                    g.failures.to_string(),
                    g.servers.len().to_string(),
                    g.successes.to_string(),
                    fixed(g.first, 6),
                    fixed(g.last, 6),
                ]);
            }
        }
        t.finish();
        Ok(t)
    }
}

#[derive(Args, Debug)]
pub struct UnusualPorts {
    /// Every proto/port/service combination, not only unexpected ones.
    #[arg(long)]
    pub all: bool,
}

/// Ports each service Zeek names usually runs on. Protocols carried
/// inside others (NTLM, GSSAPI, Kerberos in SMB or HTTP) and those on
/// dynamic ports (DCE-RPC, FTP data) are not judged.
const USUAL_PORTS: &[(&str, &[u16])] = &[
    ("http", &[80, 8080, 8000, 8008, 8081, 8888, 3128]),
    (
        "ssl",
        &[
            443, 8443, 993, 995, 465, 636, 853, 989, 990, 5061, 9443, 4443,
        ],
    ),
    ("quic", &[443]),
    ("dns", &[53, 5353, 5355, 137]),
    ("ssh", &[22]),
    ("ftp", &[21]),
    ("smtp", &[25, 587, 465, 2525]),
    ("pop3", &[110]),
    ("imap", &[143]),
    ("rdp", &[3389]),
    ("smb", &[445, 139]),
    ("ldap", &[389, 3268]),
    ("ldap_tcp", &[389, 3268]),
    ("ldap_udp", &[389]),
    ("ntp", &[123]),
    ("dhcp", &[67, 68]),
    ("snmp", &[161, 162]),
    ("sip", &[5060]),
    ("mysql", &[3306]),
    ("socks", &[1080]),
    ("irc", &[6667, 6668, 6669, 7000]),
    ("telnet", &[23]),
    ("modbus", &[502]),
    ("dnp3", &[20000]),
    ("radius", &[1812, 1813]),
    ("syslog", &[514]),
];

/// "yes" when one of the services Zeek names runs on one of its usual
/// ports, "no" when none does, "?" when Zeek named none we know.
pub fn port_expected(service: &str, port: u16) -> &'static str {
    let known: Vec<&[u16]> = service
        .split(',')
        .filter_map(|s| USUAL_PORTS.iter().find(|(n, _)| *n == s).map(|(_, p)| *p))
        .collect();
    match known.is_empty() {
        true => "?",
        false if known.iter().any(|p| p.contains(&port)) => "yes",
        false => "no",
    }
}

#[derive(Default)]
struct PortUse {
    connections: u64,
    responders: Distinct,
    originators: Distinct,
}

impl UnusualPorts {
    pub fn run(&self, cx: &Ctx) -> Result<Table, String> {
        let names = ["proto", "id.resp_p", "service", "id.resp_h", "id.orig_h"];
        let mut uses: Groups<[String; 3], PortUse> = Groups::new();
        cx.scan("conn", &names, &mut |row, idx| {
            let key = [0, 1, 2].map(|k| shown(row, idx[k]));
            let Some(u) = uses.entry(key, PortUse::default) else {
                return;
            };
            u.connections += 1;
            u.responders.add(row.at(idx[3]).shown());
            u.originators.add(row.at(idx[4]).shown());
        })?;
        let cols = [
            "proto",
            "port",
            "service",
            "expected",
            "connections",
            "responders",
            "originators",
        ];
        let sort = vec![SortKey::desc(4), SortKey::asc(1)];
        let mut t = Table::new(&cols, sort, cx.top(HUNT_TOP));
        for ([proto, port, service], u) in uses.finish() {
            let expected = port_expected(&service, port.parse().unwrap_or(0));
            if self.all || expected == "no" {
                let counts = [
                    u.connections,
                    u.responders.len() as u64,
                    u.originators.len() as u64,
                ];
                let row = [proto, port, service, expected.to_string()];
                t.push(
                    row.into_iter()
                        .chain(counts.map(|c| c.to_string()))
                        .collect(),
                );
            }
        }
        t.finish();
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::port_expected;

    #[test]
    fn services_judged_by_their_usual_ports() {
        assert_eq!(port_expected("ssh", 22), "yes");
        assert_eq!(port_expected("ssh", 443), "no");
        assert_eq!(
            port_expected("ntlm,ldap_tcp", 389),
            "yes",
            "carried protocols are not judged"
        );
        assert_eq!(port_expected("quic,ssl", 4433), "no");
        assert_eq!(port_expected("gssapi", 445), "?");
        assert_eq!(port_expected("-", 80), "?");
    }
}
