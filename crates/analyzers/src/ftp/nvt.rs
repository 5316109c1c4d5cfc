//! Lines of an FTP control stream, as Zeek's NVT analyzer cuts them: CRLF
//! or a bare LF ends a line, a bare CR stays in it, Telnet commands (IAC
//! sequences) are removed, the first NUL of a direction is dropped and a
//! NUL right after a CR is ignored.

/// Bytes kept of one line; the rest of an overlong line is dropped.
pub const MAX_LINE: usize = 64 * 1024;

const IAC: u8 = 255;
const SB: u8 = 250;
const SE: u8 = 240;

/// Where the splitter is inside a Telnet command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Telnet {
    Data,
    /// Just saw IAC.
    Command,
    /// IAC WILL/WONT/DO/DONT: one option byte follows.
    Option,
    /// Inside IAC SB ... IAC SE.
    Sub,
    /// IAC inside a subnegotiation.
    SubCommand,
}

/// Line splitter of one direction.
#[derive(Debug)]
pub struct LineSplitter {
    line: Vec<u8>,
    last: u8,
    telnet: Telnet,
    seen_nul: bool,
}

impl LineSplitter {
    pub fn new() -> Self {
        LineSplitter {
            line: Vec::new(),
            last: 0,
            telnet: Telnet::Data,
            seen_nul: false,
        }
    }

    /// Feeds `data`, calling `on_line` with each completed line (without
    /// its end of line). `on_line` returns false to stop consuming.
    pub fn feed(&mut self, data: &[u8], mut on_line: impl FnMut(&[u8]) -> bool) {
        let mut i = 0;
        while let Some(&b) = data.get(i) {
            i += 1;
            if self.telnet != Telnet::Data {
                self.telnet_byte(b);
                continue;
            }
            // Ordinary bytes are taken a run at a time.
            let run = data[i - 1..]
                .iter()
                .position(|&c| matches!(c, b'\n' | 0 | IAC))
                .unwrap_or(data.len() - (i - 1));
            if run > 0 {
                self.push_run(&data[i - 1..i - 1 + run]);
                i += run - 1;
                continue;
            }
            match b {
                b'\n' => {
                    if self.last == b'\r' {
                        self.line.pop();
                    }
                    self.last = b;
                    let go_on = on_line(&self.line);
                    self.line.clear();
                    if !go_on {
                        return;
                    }
                    continue;
                }
                0 if self.last == b'\r' => {}
                0 if !self.seen_nul => self.seen_nul = true,
                IAC => self.telnet = Telnet::Command,
                _ => self.push(b),
            }
            self.last = b;
        }
    }

    /// Whether bytes wait for the end of their line (at the end of the
    /// stream Zeek ends it with a LF).
    pub fn has_partial(&self) -> bool {
        !self.line.is_empty() || self.telnet != Telnet::Data
    }

    fn push(&mut self, b: u8) {
        if self.line.len() < MAX_LINE {
            self.line.push(b);
        }
    }

    /// Bytes with no line end, NUL or IAC among them.
    fn push_run(&mut self, run: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.line.len());
        self.line.extend_from_slice(&run[..run.len().min(room)]);
        self.last = run[run.len() - 1];
    }

    /// One byte of a Telnet command: IAC IAC is a literal 255; options and
    /// subnegotiations are dropped.
    fn telnet_byte(&mut self, b: u8) {
        self.telnet = match (self.telnet, b) {
            (Telnet::Command, IAC) => {
                self.push(IAC);
                self.last = IAC;
                Telnet::Data
            }
            (Telnet::Command, SB) => Telnet::Sub,
            (Telnet::Command, 251..=254) => Telnet::Option,
            (Telnet::Sub, IAC) => Telnet::SubCommand,
            (Telnet::Sub, _) | (Telnet::SubCommand, IAC) => Telnet::Sub,
            (Telnet::SubCommand, SE) => Telnet::Data,
            // BSD Telnet ends a subnegotiation at any other command too.
            (Telnet::SubCommand, _) => Telnet::Command,
            _ => Telnet::Data,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut s = LineSplitter::new();
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, |l| {
                out.push(l.to_vec());
                true
            });
        }
        if s.has_partial() {
            s.feed(b"\n", |l| {
                out.push(l.to_vec());
                true
            });
        }
        out
    }

    #[test]
    fn line_ends_and_chunking() {
        assert_eq!(
            lines(&[b"USER a\r", b"\nPASS b\nSY", b"ST\r\n", b"QU\rIT\r"]),
            vec![
                b"USER a".to_vec(),
                b"PASS b".to_vec(),
                b"SYST".to_vec(),
                b"QU\rIT".to_vec()
            ]
        );
    }

    #[test]
    fn telnet_commands_are_removed() {
        // IAC IP IAC DM before ABOR, as clients send it.
        assert_eq!(
            lines(&[b"\xff\xf4\xff\xf2ABOR\r\n"]),
            vec![b"ABOR".to_vec()]
        );
        assert_eq!(
            lines(&[b"A\xff\xffB\xff\xfb\x01C\xff\xfa\x18xx\xff\xf0D\n"]),
            vec![b"A\xffBCD".to_vec()]
        );
    }

    #[test]
    fn nul_handling() {
        // CR NUL is a bare CR in Telnet: the line keeps it.
        assert_eq!(lines(&[b"NO\0OP\0\r\0\n"]), vec![b"NOOP\0\r".to_vec()]);
    }

    #[test]
    fn long_lines_are_capped() {
        let long = vec![b'a'; MAX_LINE + 10];
        let out = lines(&[&long, b"\nNOOP\n"]);
        assert_eq!(out[0].len(), MAX_LINE);
        assert_eq!(out[1], b"NOOP");
    }
}
