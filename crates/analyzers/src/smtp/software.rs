//! Mail clients for software.log (Zeek's `policy/protocols/smtp/software`):
//! the User-Agent of a message sent from a local host is the software of
//! the host the message started from, or of a webmail server.

use super::record::SmtpRecord;
use crate::software::{found, SoftwareType};
use crate::Context;

/// `SMTP::webmail_user_agents`.
fn is_webmail_agent(ua: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 4] = [
        b"iPlanet Messenger",
        b"Sun Java(tm) System Messenger Express",
        b"SquirrelMail",
        b"NeoMail",
    ];
    const ANYWHERE: [&[u8]; 2] = [b"(IMP)", b"ZimbraWebClient"];
    PREFIXES.iter().any(|p| ua.starts_with(p))
        || ANYWHERE
            .iter()
            .any(|n| ua.windows(n.len()).any(|w| w == *n))
}

/// `mime_one_header` (after the logged fields are taken): a User-Agent
/// header while the message's user agent is a webmail's marks it sent
/// through webmail.
pub(super) fn header(cx: &Context<'_>, rec: &mut SmtpRecord, name: &[u8]) {
    if !cx.config.software.smtp || name != b"USER-AGENT" {
        return;
    }
    if rec
        .user_agent
        .as_ref()
        .is_some_and(|ua| is_webmail_agent(&ua.0))
    {
        rec.is_webmail = true;
    }
}

/// `log_smtp`: the message's user agent, for the host at the start of
/// its Received path (or the one after a webmail server's HTTP hop).
pub(super) fn logged(cx: &mut Context<'_>, rec: &SmtpRecord) {
    let sw = &cx.config.software;
    let (Some(ua), Some(path)) = (&rec.user_agent, &rec.path) else {
        return;
    };
    if !sw.smtp
        || !sw
            .smtp_clients_from
            .matches(cx.config.is_local(cx.conn.orig_h))
    {
        return;
    }
    let via_http = rec
        .first_received
        .as_ref()
        .is_some_and(|r| r.0.windows(8).any(|w| w == b"via HTTP"));
    let (kind, back) = match (rec.is_webmail, via_http) {
        (false, _) => (SoftwareType::SmtpMailClient, 1),
        (true, false) => (SoftwareType::SmtpWebmailServer, 1),
        // The mail software is installed behind the webmail's HTTP hop.
        (true, true) => (SoftwareType::SmtpWebmailServer, 2),
    };
    let Some(&client) = path.len().checked_sub(back).and_then(|i| path.get(i)) else {
        return;
    };
    found(cx, kind, client, None, &ua.0);
}

#[cfg(test)]
mod tests {
    use super::is_webmail_agent;

    #[test]
    fn webmail_agents() {
        assert!(is_webmail_agent(b"SquirrelMail/1.4.22"));
        assert!(is_webmail_agent(
            b"Internet Messaging Program (IMP) H3 (4.3)"
        ));
        assert!(is_webmail_agent(b"Zimbra 8.8 (ZimbraWebClient - GC)"));
        assert!(!is_webmail_agent(b"Mozilla Thunderbird 1.5"));
        assert!(!is_webmail_agent(b"My SquirrelMail"));
    }
}
