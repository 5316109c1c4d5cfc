//! Recommendations from the incidents: one per kind of response (isolate,
//! block, enforce key-only SSH, replace certificates, ...), naming the
//! hosts it applies to with the counts and notice types behind it.

use super::gather::Incident;

/// Hosts named in one recommendation before "and N more".
const SHOWN_HOSTS: usize = 5;

/// What to do about a kind of incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// DNS tunneling or C2 over DNS: the source runs tunneling malware.
    IsolateTunneler,
    /// Machine-generated domain names: the source runs a DGA.
    IsolateDga,
    /// Beaconing: block the callback destination, image the source.
    BlockBeacon,
    /// Intelligence hits: block the listed indicator.
    BlockIntel,
    /// A password guesser got in: the target is compromised.
    ContainCompromise,
    /// Password guessing: block the guesser, key-only SSH on the target.
    EnforceSshKeys,
    /// Scans: block the scanner, audit what answered.
    BlockScanner,
    /// SQL injection attempts: block the attacker.
    BlockWebAttacker,
    /// A web server SQL injection was aimed at: check the application.
    ReviewWebApp,
    /// Local names resolving to outside addresses: possible DNS hijack.
    CheckDns,
    /// Certificates that did not validate.
    InvestigateCertificate,
    /// Certificates that expired or are about to.
    ReplaceCertificate,
    /// Large transfers out: possible exfiltration.
    ReviewExfiltration,
    /// Long-lived connections: possible C2 or tunnel.
    ReviewLongConnection,
    /// Anything else.
    Investigate,
}

/// The action a notice type calls for.
pub fn action(note: &str) -> Action {
    let (module, kind) = note.rsplit_once("::").unwrap_or(("", note));
    match kind {
        "DNS_Tunneling_Detected" | "DNS_Long_Query" | "C2_Over_DNS" => Action::IsolateTunneler,
        "Possible_DGA" => Action::IsolateDga,
        "SQL_Injection_Attacker" | "URI_SQLI" => Action::BlockWebAttacker,
        "SQL_Injection_Victim" => Action::ReviewWebApp,
        "External_Name" => Action::CheckDns,
        _ if super::gather::is_beaconing(note) => Action::BlockBeacon,
        "Login_By_Password_Guesser" => Action::ContainCompromise,
        "Password_Guessing" => Action::EnforceSshKeys,
        "Port_Scan" | "Address_Scan" | "Random_Scan" => Action::BlockScanner,
        "Invalid_Server_Cert" => Action::InvestigateCertificate,
        "Certificate_Expired" | "Certificate_Expires_Soon" | "Certificate_Not_Valid_Yet" => {
            Action::ReplaceCertificate
        }
        "Large_Transfer" => Action::ReviewExfiltration,
        "Long_Connection" => Action::ReviewLongConnection,
        _ if module == "Intel" => Action::BlockIntel,
        _ => Action::Investigate,
    }
}

/// One recommendation with its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    pub action: Action,
    /// The sentence, hosts named.
    pub text: String,
    /// Incidents and notices behind it, by notice type.
    pub evidence: String,
}

/// One recommendation per action the incidents call for, most urgent first.
pub fn recommendations(incidents: &[Incident]) -> Vec<Advice> {
    let mut actions: Vec<Action> = incidents.iter().map(|i| action(&i.note)).collect();
    actions.sort();
    actions.dedup();
    actions
        .into_iter()
        .map(|a| {
            let of: Vec<&Incident> = incidents.iter().filter(|i| action(&i.note) == a).collect();
            Advice {
                action: a,
                text: sentence(a, &of),
                evidence: evidence(&of),
            }
        })
        .collect()
}

fn sentence(a: Action, of: &[&Incident]) -> String {
    let src = hosts(of.iter().map(|i| i.src.as_str()));
    // Only addresses: a notice without a destination has prose in `sub`.
    let dst = hosts(of.iter().filter_map(|i| i.dst_addr.as_deref()));
    let dst = if dst == "-" {
        "the hosts they targeted".to_string()
    } else {
        dst
    };
    let notes = hosts(of.iter().map(|i| i.note.as_str()));
    match a {
        Action::IsolateTunneler => {
            format!("Isolate {src} and investigate for DNS tunneling malware")
        }
        Action::BlockBeacon => {
            format!("Block {dst} at the firewall and forensically image {src}")
        }
        Action::IsolateDga => format!(
            "Isolate {src} and look for the malware behind its machine-generated domain lookups"
        ),
        Action::BlockWebAttacker => {
            format!("Block {src} and review the web requests it sent for SQL injection")
        }
        Action::ReviewWebApp => format!(
            "Check the web applications on {src} for SQL injection flaws and their databases for tampering"
        ),
        Action::CheckDns => format!(
            "Check the DNS answers {src} got: local names resolved to outside addresses (possible DNS hijacking)"
        ),
        Action::BlockIntel => {
            format!("Block {dst} (threat intelligence match) and investigate {src}")
        }
        Action::ContainCompromise => format!(
            "Treat {dst} as compromised (a password guesser logged in from {src}): reset its credentials and review its sessions"
        ),
        Action::EnforceSshKeys => {
            format!("Block {src} and enforce SSH key-only authentication on {dst}")
        }
        Action::BlockScanner => {
            format!("Block {src} at the perimeter and audit the services they reached")
        }
        Action::InvestigateCertificate => {
            format!("Investigate the TLS certificates that failed validation on {dst}")
        }
        Action::ReplaceCertificate => {
            format!("Replace the expired or expiring TLS certificates on {dst}")
        }
        Action::ReviewExfiltration => {
            format!("Review the large transfers from {src} to {dst} for data exfiltration")
        }
        Action::ReviewLongConnection => format!(
            "Review the long-lived connections from {src} to {dst} (possible C2 or tunnel)"
        ),
        Action::Investigate => format!("Investigate {notes} raised for {src}"),
    }
}

/// "N incidents, M notices: Type ×k, ..."
fn evidence(of: &[&Incident]) -> String {
    let notices: u64 = of.iter().map(|i| i.count).sum();
    let mut by_note: Vec<(&str, u64)> = Vec::new();
    for i in of {
        match by_note.iter_mut().find(|(n, _)| *n == i.note) {
            Some((_, c)) => *c += i.count,
            None => by_note.push((&i.note, i.count)),
        }
    }
    let kinds: Vec<String> = by_note.iter().map(|(n, c)| format!("{n} ×{c}")).collect();
    format!(
        "{} incident{}, {notices} notice{}: {}",
        of.len(),
        plural(of.len() as u64),
        plural(notices),
        kinds.join(", ")
    )
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Distinct values joined in order of appearance: "a, b and c", "a, ... and 3 more".
fn hosts<'a>(all: impl Iterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut more = 0usize;
    for h in all {
        if seen.contains(&h) {
            continue;
        }
        if seen.len() < SHOWN_HOSTS {
            seen.push(h);
        } else {
            more += 1;
        }
    }
    match (seen.as_slice(), more) {
        ([], _) => "-".into(),
        ([one], 0) => one.to_string(),
        (many, 0) => format!(
            "{} and {}",
            many[..many.len() - 1].join(", "),
            many[many.len() - 1]
        ),
        (many, more) => format!("{} and {more} more", many.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(note: &str, src: &str, dst: Option<&str>, count: u64) -> Incident {
        Incident {
            note: note.into(),
            src: src.into(),
            dst: dst.map_or("-".into(), |d| format!("{d}:22")),
            dst_addr: dst.map(str::to_string),
            details: String::new(),
            count,
            first: None,
            last: None,
            times: Vec::new(),
        }
    }

    #[test]
    fn one_recommendation_per_kind_with_counts() {
        let all = [
            incident(
                "SSH::Password_Guessing",
                "45.33.32.156",
                Some("10.0.0.1"),
                3,
            ),
            incident(
                "SSH::Password_Guessing",
                "45.33.32.157",
                Some("10.0.0.1"),
                1,
            ),
            incident("DNSTunneling::DNS_Tunneling_Detected", "10.0.0.9", None, 2),
            incident("Weird::Activity", "10.0.0.8", None, 1),
        ];
        let advice = recommendations(&all);
        let texts: Vec<&str> = advice.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Isolate 10.0.0.9 and investigate for DNS tunneling malware",
                "Block 45.33.32.156 and 45.33.32.157 and enforce SSH key-only authentication on 10.0.0.1",
                "Investigate Weird::Activity raised for 10.0.0.8",
            ]
        );
        assert_eq!(
            advice[1].evidence,
            "2 incidents, 4 notices: SSH::Password_Guessing ×4"
        );
    }

    #[test]
    fn notice_types_map_to_their_response() {
        let cases = [
            ("DNS::C2_Over_DNS", Action::IsolateTunneler),
            ("DNS::Possible_DGA", Action::IsolateDga),
            ("BeaconDetection::Strobe", Action::BlockBeacon),
            ("HTTP::SQL_Injection_Attacker", Action::BlockWebAttacker),
            ("HTTP::SQL_Injection_Victim", Action::ReviewWebApp),
            ("Intel::Notice", Action::BlockIntel),
            ("SSL::Certificate_Not_Valid_Yet", Action::ReplaceCertificate),
            ("Scan::Address_Scan", Action::BlockScanner),
            ("Something::New", Action::Investigate),
        ];
        for (note, want) in cases {
            assert_eq!(action(note), want, "{note}");
        }
    }

    #[test]
    fn long_host_lists_are_cut() {
        let names = ["a", "b", "c", "d", "e", "f", "g", "a"];
        assert_eq!(hosts(names.into_iter()), "a, b, c, d, e and 2 more");
    }
}
