//! Command and reply lines as Zeek's FTP analyzer (FTP.cc) reads them.

/// What a client line is.
#[derive(Debug, PartialEq, Eq)]
pub enum Request<'a> {
    /// A command (upper-cased) and its argument (the rest of the line after
    /// the spaces following the command, trailing spaces kept).
    Command { cmd: String, arg: &'a [u8] },
    /// Not a command: shorter than 3 bytes or not printable.
    Invalid,
    /// A command word longer than `FTP::max_command_length`.
    TooLong(usize),
}

/// Reads one non-empty client line. `max_command_length` 0 means no limit.
pub fn parse_request(line: &[u8], max_command_length: usize) -> Request<'_> {
    let start = skip_blanks(line, 0);
    let word_len = line[start..]
        .iter()
        .take_while(|&&b| b != 0 && !is_c_space(b))
        .count();
    let word = &line[start..start + word_len];
    if word.len() < 3 || !word.iter().all(|b| (0x20..0x7f).contains(b)) {
        return Request::Invalid;
    }
    if max_command_length > 0 && word.len() > max_command_length {
        return Request::TooLong(word.len());
    }
    let cmd = String::from_utf8_lossy(word).to_ascii_uppercase();
    let arg = &line[skip_blanks(line, start + word_len)..];
    Request::Command { cmd, arg }
}

/// Whether `cmd` is taken for AUTH (Zeek compares only the command's
/// length, so "AUT" counts too).
pub fn is_auth(cmd: &str) -> bool {
    b"AUTH".starts_with(cmd.as_bytes())
}

/// One server line.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply<'a> {
    /// `code` is 0 for the inner lines of a multi-line reply; `msg` is the
    /// text after the code (the whole line for inner lines); `cont` is set
    /// on every line of a multi-line reply but the last.
    Line {
        code: u32,
        msg: &'a [u8],
        cont: bool,
    },
    /// A broken first reply line: the reason for analyzer.log.
    Violation(&'static str),
}

/// Server side state: the code of the multi-line reply being read.
#[derive(Debug, Default)]
pub struct ReplyParser {
    pending: u32,
}

impl ReplyParser {
    /// Reads one non-empty server line.
    pub fn parse<'a>(&mut self, line: &'a [u8]) -> Reply<'a> {
        let code = reply_code(line);
        let sep = line.get(3).copied();
        if self.pending != 0 {
            if code == self.pending && sep == Some(b' ') {
                self.pending = 0;
                let msg = &line[skip_blanks(line, 3)..];
                return Reply::Line {
                    code,
                    msg,
                    cont: false,
                };
            }
            return Reply::Line {
                code: 0,
                msg: line,
                cont: true,
            };
        }
        match (code, sep) {
            (0, _) => Reply::Violation("non-numeric reply code"),
            (1..=99, _) => Reply::Violation("invalid reply code"),
            (_, Some(b'-')) => {
                self.pending = code;
                let msg = &line[skip_blanks(line, 4)..];
                Reply::Line {
                    code,
                    msg,
                    cont: true,
                }
            }
            (_, Some(b' ') | None) => {
                let msg = &line[skip_blanks(line, 3)..];
                Reply::Line {
                    code,
                    msg,
                    cont: false,
                }
            }
            _ => Reply::Violation("invalid reply line"),
        }
    }
}

/// The three leading digits as a number, 0 if there are none.
fn reply_code(line: &[u8]) -> u32 {
    match line {
        [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            u32::from(a - b'0') * 100 + u32::from(b - b'0') * 10 + u32::from(c - b'0')
        }
        _ => 0,
    }
}

/// Zeek's `skip_whitespace`: past spaces and tabs from `pos`.
fn skip_blanks(line: &[u8], pos: usize) -> usize {
    let pos = pos.min(line.len());
    pos + line[pos..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// C's `isspace`.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd<'a>(c: &str, arg: &'a [u8]) -> Request<'a> {
        Request::Command { cmd: c.into(), arg }
    }

    #[test]
    fn requests() {
        assert_eq!(
            parse_request(b"  retr  a file ", 100),
            cmd("RETR", b"a file ")
        );
        assert_eq!(parse_request(b"PWD", 100), cmd("PWD", b""));
        assert_eq!(parse_request(b"NO", 100), Request::Invalid);
        assert_eq!(parse_request(b"US\x01ER x", 100), Request::Invalid);
        assert_eq!(parse_request(&[b'A'; 132], 100), Request::TooLong(132));
        assert_eq!(parse_request(&[b'A'; 132], 0), cmd(&"A".repeat(132), b""));
        assert!(is_auth("AUTH") && is_auth("AUT") && !is_auth("AUTHX"));
    }

    #[test]
    fn multi_line_replies() {
        let mut p = ReplyParser::default();
        assert_eq!(
            p.parse(b"220-Welcome"),
            Reply::Line {
                code: 220,
                msg: b"Welcome",
                cont: true
            }
        );
        assert_eq!(
            p.parse(b" to the server"),
            Reply::Line {
                code: 0,
                msg: b" to the server",
                cont: true
            }
        );
        assert_eq!(
            p.parse(b"220-more"),
            Reply::Line {
                code: 0,
                msg: b"220-more",
                cont: true
            }
        );
        assert_eq!(
            p.parse(b"220 ready"),
            Reply::Line {
                code: 220,
                msg: b"ready",
                cont: false
            }
        );
        assert_eq!(
            p.parse(b"331"),
            Reply::Line {
                code: 331,
                msg: b"",
                cont: false
            }
        );
    }

    #[test]
    fn broken_replies() {
        let mut p = ReplyParser::default();
        assert_eq!(
            p.parse(b"hello"),
            Reply::Violation("non-numeric reply code")
        );
        assert_eq!(p.parse(b"099 x"), Reply::Violation("invalid reply code"));
        assert_eq!(
            p.parse(b"230_no_space"),
            Reply::Violation("invalid reply line")
        );
    }
}
