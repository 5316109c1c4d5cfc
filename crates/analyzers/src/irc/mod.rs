//! IRC: recognises the protocol for conn.log's `irc` service, as Zeek's
//! analyzer does, and announces the data connections of DCC SEND offers
//! (their service is `irc-dcc-data`). Zeek confirms on the first line from
//! the client with a well-known client command; a line too short once its
//! tags and prefix are gone, a bad reply number or too many overlong
//! commands are violations.

use crate::smtp::lines::LineBuffer;
use crate::{Analyzer, Context, Expectation, Kind};
use records::Interval;
use std::net::{IpAddr, Ipv4Addr};

/// Longest line Zeek looks at.
const MAX_LINE: usize = 512;
/// Overlong commands tolerated before the violation.
const MAX_INVALID: u32 = 20;
/// How long an announced DCC connection is awaited (5 minutes).
const DCC_TIMEOUT: Interval = Interval(300_000_000_000);
const SOURCE: &str = "IRC";

/// The client commands whose use confirms IRC (Zeek's list).
const CLIENT_COMMANDS: &[&[u8]] = &[
    b"ADMIN",
    b"AWAY",
    b"CONNECT",
    b"ERROR",
    b"INFO",
    b"INVITE",
    b"JOIN",
    b"KICK",
    b"LIST",
    b"MOVE",
    b"NAMES",
    b"NICK",
    b"NOTICE",
    b"PASS",
    b"PART",
    b"PING",
    b"PRIVMSG",
    b"SERVER",
    b"SETNAME",
    b"TOPIC",
    b"USER",
    b"WHOIS",
    b"WHOWAS",
    b"STARTTLS",
    b"PONG",
];

#[derive(Default)]
pub struct IrcAnalyzer {
    lines: [LineBuffer; 2],
    invalid_commands: u32,
    confirmed: bool,
    /// TLS took over the stream, or the analyzer gave up.
    done: bool,
}

/// What one line means (besides confirming, see [`IrcAnalyzer::line`]).
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Parsed,
    Violation(&'static str),
    /// Reply 670: STARTTLS accepted.
    StartTls,
    /// A DCC SEND offer: a connection to `addr`:`port` will come.
    DccSend {
        addr: Ipv4Addr,
        port: u16,
    },
}

impl Analyzer for IrcAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, mut data: &[u8]) {
        let dir = usize::from(!is_orig);
        while !self.done {
            let Some(line) = self.lines[dir].next_line(&mut data) else {
                break;
            };
            let verdict = self.line(cx, is_orig, &line);
            self.apply(cx, verdict, data);
        }
        self.lines[dir].report_weirds(cx);
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

impl IrcAnalyzer {
    fn apply(&mut self, cx: &mut Context<'_>, line: Line, rest: &[u8]) {
        match line {
            Line::Parsed => {}
            Line::Violation(reason) => {
                self.done = true;
                cx.violation(reason, None);
            }
            Line::StartTls => {
                self.done = true;
                cx.hand_over_with(Kind::Ssl, false, rest);
            }
            Line::DccSend { addr, port } => cx.expect(Expectation {
                orig_h: None,
                resp_h: IpAddr::V4(addr),
                resp_p: port,
                kind: Kind::IrcData,
                timeout: DCC_TIMEOUT,
                make: Box::new(|| Box::new(DccData)),
            }),
        }
    }

    /// Zeek's `IRC_Analyzer::DeliverStream` for one line.
    fn line(&mut self, cx: &mut Context<'_>, is_orig: bool, line: &[u8]) -> Line {
        if line.len() > MAX_LINE {
            cx.weird(SOURCE, "irc_line_size_exceeded", None);
            return Line::Parsed;
        }
        let mut rest = skip_spaces(line);
        if rest.len() < 3 {
            cx.weird(SOURCE, "irc_line_too_short", None);
            return Line::Parsed;
        }
        // IRCv3 message tags (`@time=...`) and the prefix (`:nick!user@host`)
        // each end at the first space.
        for marker in [b'@', b':'] {
            if rest[0] != marker {
                continue;
            }
            let Some(space) = rest.iter().position(|&c| c == b' ') else {
                cx.weird(SOURCE, "irc_invalid_line", None);
                return Line::Parsed;
            };
            rest = skip_spaces(&rest[space + 1..]);
            if rest.is_empty() {
                break;
            }
        }
        self.command(cx, is_orig, rest)
    }

    /// The line after its tags and prefix.
    fn command(&mut self, cx: &mut Context<'_>, is_orig: bool, rest: &[u8]) -> Line {
        if rest.len() < 3 {
            cx.weird(SOURCE, "irc_invalid_line", None);
            return Line::Violation("line too short");
        }
        if rest[0].is_ascii_digit() {
            return reply(cx, rest);
        }
        let command_len = rest.iter().position(|&c| c == b' ').unwrap_or(rest.len());
        let (command, params) = rest.split_at(command_len);
        let params = skip_spaces(params);
        let known = CLIENT_COMMANDS
            .iter()
            .any(|c| c.eq_ignore_ascii_case(command));
        if is_orig && known && !self.confirmed {
            self.confirmed = true;
            cx.confirm();
        }
        if command.len() > 20 {
            cx.weird(SOURCE, "irc_invalid_command", None);
            self.invalid_commands += 1;
            if self.invalid_commands > MAX_INVALID {
                cx.weird(SOURCE, "irc_too_many_invalid", None);
                return Line::Violation("too many long lines");
            }
            return Line::Parsed;
        }
        if command.eq_ignore_ascii_case(b"PRIVMSG") {
            return dcc_send(cx, params).unwrap_or(Line::Parsed);
        }
        Line::Parsed
    }
}

/// A numeric reply: three digits and a space.
fn reply(cx: &mut Context<'_>, rest: &[u8]) -> Line {
    let valid = rest.len() > 3 && rest[..3].iter().all(u8::is_ascii_digit) && rest[3] == b' ';
    if !valid {
        cx.weird(SOURCE, "irc_invalid_reply_number", None);
        return Line::Violation("invalid reply number");
    }
    if &rest[..3] == b"670" {
        return Line::StartTls;
    }
    Line::Parsed
}

/// A `PRIVMSG target :\x01DCC SEND file ip port [size]\x01` offer.
fn dcc_send(cx: &mut Context<'_>, params: &[u8]) -> Option<Line> {
    let space = params.iter().position(|&c| c == b' ')?;
    let mut message = skip_spaces(&params[space + 1..]);
    message = message.strip_prefix(b":").unwrap_or(message);
    message = message.strip_prefix(b"\x01").unwrap_or(message);
    if message.len() <= 3 || !message.starts_with(b"DCC") {
        return None;
    }
    message = message.strip_suffix(b"\x01").unwrap_or(message);
    let parts: Vec<&[u8]> = message
        .split(|&c| c == b' ')
        .filter(|w| !w.is_empty())
        .collect();
    let turbo = parts.len() == 7 && parts[6] == b"T";
    if !(5..=6).contains(&parts.len()) && !turbo {
        cx.weird(SOURCE, "irc_invalid_dcc_message_format", None);
        return None;
    }
    if parts[1] != b"SEND" {
        return None;
    }
    // Zeek adds up the address's digits as written (a decimal number).
    let addr = parts[3].iter().fold(0u32, |acc, &c| {
        let digit = if c.is_ascii_digit() { c - b'0' } else { 0 };
        acc.wrapping_mul(10).wrapping_add(u32::from(digit))
    });
    let port = leading_number(parts[4]) as u16;
    Some(Line::DccSend {
        addr: Ipv4Addr::from(addr),
        port,
    })
}

/// C's `atoi`: the leading decimal digits.
fn leading_number(s: &[u8]) -> u32 {
    s.iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0u32, |acc, &c| {
            acc.wrapping_mul(10).wrapping_add(u32::from(c - b'0'))
        })
}

fn skip_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b' ').count();
    &s[n..]
}

/// The data connection of a DCC SEND: Zeek's `IRC_Data` analyzer hands
/// its bytes to file analysis (not done here); it confirms nothing.
pub struct DccData;

impl Analyzer for DccData {
    fn deliver(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _data: &[u8]) {}
    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

/// Zeek's IRC signatures: the client registers (USER and NICK lines, in
/// either order) and the server answers with a numeric reply, or both
/// sides introduce themselves as servers.
pub fn signature(orig: &[u8], resp: &[u8]) -> Option<bool> {
    if orig.is_empty() || resp.is_empty() {
        return None;
    }
    let client = registers(orig, b"user", b"nick") || registers(orig, b"nick", b"user");
    let server_to_server = server_line(orig) && server_line(resp);
    Some((client && numeric_reply(resp)) || server_to_server)
}

/// Lines of `s` (the last one must be ended to count).
fn ended_lines(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    let end = s
        .iter()
        .rposition(|&c| c == b'\r' || c == b'\n')
        .map_or(0, |i| i + 1);
    s[..end]
        .split(|&c| c == b'\r' || c == b'\n')
        .filter(|l| !l.is_empty())
}

/// The word `cmd` (any case) and at least one space at the start of a line
/// (after spaces); what follows.
fn command_args<'a>(line: &'a [u8], cmd: &[u8]) -> Option<&'a [u8]> {
    let line = skip_spaces(line);
    if line.len() <= cmd.len() || !line[..cmd.len()].eq_ignore_ascii_case(cmd) {
        return None;
    }
    let rest = &line[cmd.len()..];
    rest.first().filter(|&&c| c == b' ')?;
    Some(skip_spaces(rest))
}

/// A `first` line followed later by a `second` line (Zeek's
/// `irc_client1`/`irc_client2`).
fn registers(orig: &[u8], first: &[u8], second: &[u8]) -> bool {
    let mut lines = ended_lines(orig);
    let Some(_) = lines
        .by_ref()
        .find(|l| command_args(l, first).is_some_and(|a| !a.is_empty()))
    else {
        return false;
    };
    lines.any(|l| command_args(l, second).is_some())
}

/// A line `[:prefix ]DDD ` (Zeek's `irc_server_reply`).
fn numeric_reply(resp: &[u8]) -> bool {
    std::iter::once(resp)
        .chain(
            resp.iter()
                .enumerate()
                .filter(|(_, &c)| c == b'\r' || c == b'\n')
                .map(|(i, _)| &resp[i + 1..]),
        )
        .any(|line| {
            let line = match line.first() {
                Some(b':') => match line.iter().position(|&c| matches!(c, b' ' | b'\r' | b'\n')) {
                    Some(i) if line[i] == b' ' && i > 1 => &line[i + 1..],
                    _ => return false,
                },
                _ => line,
            };
            line.len() >= 4 && line[..3].iter().all(u8::is_ascii_digit) && line[3] == b' '
        })
}

/// `SERVER name hops :info` (Zeek's `irc_server_to_server`).
fn server_line(s: &[u8]) -> bool {
    ended_lines(s).any(|l| {
        let Some(args) = command_args(l, b"server") else {
            return false;
        };
        let words: Vec<&[u8]> = args
            .split(|&c| c == b' ')
            .filter(|w| !w.is_empty())
            .collect();
        words.len() >= 3
            && words[1].iter().all(u8::is_ascii_digit)
            && words[2].len() > 1
            && words[2][0] == b':'
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{conn, drive};

    #[test]
    fn a_known_client_command_confirms() {
        let traffic: [(bool, &[u8]); 3] = [
            (
                false,
                b"@time=2025-07-28T20:48:30.026Z :irc.example 001 bob :Welcome\r\n",
            ),
            (true, b"CAP LS 302\r\n"),
            (true, b"NICK bob\r\n"),
        ];
        let o = drive(&mut IrcAnalyzer::default(), &conn(6, 6667), &traffic[..2]);
        assert!(
            !o.confirmed,
            "server lines and unknown commands do not confirm"
        );
        let o = drive(&mut IrcAnalyzer::default(), &conn(6, 6667), &traffic);
        assert!(o.confirmed && !o.violated);
    }

    #[test]
    fn message_tags_are_not_commands() {
        let tagged = b"@time=2025-07-28T20:48:31.481Z :srv NOTICE bob :hi\r\n".repeat(30);
        let o = drive(
            &mut IrcAnalyzer::default(),
            &conn(6, 6667),
            &[(false, &tagged)],
        );
        assert!(!o.violated);
    }

    #[test]
    fn bad_reply_numbers_are_violations() {
        let traffic: [(bool, &[u8]); 1] = [(false, b"12x hello\r\n")];
        let o = drive(&mut IrcAnalyzer::default(), &conn(6, 6667), &traffic);
        assert!(o.violated);
    }

    #[test]
    fn dcc_send_announces_the_data_connection() {
        let mut a = IrcAnalyzer::default();
        let info = conn(6, 6667);
        let config = crate::AnalyzerConfig::default();
        let mut fuids = crate::FuidGen::new(Some(1));
        let mut records = Vec::new();
        let mut cx = Context::new(&info, records::Time(1), &config, &mut fuids, &mut records);
        let line = b":bob!b@h PRIVMSG alice :\x01DCC SEND file.txt 167772161 5000 12\x01\r\n";
        a.deliver(&mut cx, false, line);
        let expected = cx.take_expectations();
        assert_eq!(expected.len(), 1);
        assert_eq!(expected[0].resp_h, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(expected[0].resp_p, 5000);
        assert_eq!(expected[0].kind, Kind::IrcData);
    }

    #[test]
    fn signature_wants_registration_and_a_numeric_reply() {
        let orig = b"NICK bob\r\nUSER bob 0 * :Bob\r\n";
        assert_eq!(signature(orig, b""), None);
        assert_eq!(signature(orig, b":srv 001 bob :hi\r\n"), Some(true));
        assert_eq!(signature(orig, b"HTTP/1.1 200 OK\r\n"), Some(false));
        assert_eq!(
            signature(b"GET / HTTP/1.1\r\n", b":srv 001 x\r\n"),
            Some(false)
        );
    }
}
