//! RESP, Redis's serialization protocol, read as a stream without keeping
//! its values: only whether the bytes are well-formed RESP and where each
//! top-level message ends (Zeek's `RESP::ClientData` and
//! `RESP::ServerData`).

/// Longest field Zeek reads (its `MAX_SIZE`); also the largest count or
/// length it accepts.
const MAX_SIZE: u64 = 1024 * 1024;
/// Longest inline command.
const MAX_INLINE: u64 = 1024;
/// Digits kept of a number (longer ones cannot be a 64-bit value).
const MAX_NUMBER: usize = 24;
/// Aggregates nested deeper than this are refused (bounds memory).
const MAX_DEPTH: usize = 64;

/// Which side's grammar applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Commands: an array of bulk strings, or an inline line.
    Client,
    /// Replies: any RESP value.
    Server,
}

/// What a number line is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Number {
    Integer,
    Double,
    BulkLength,
    /// Element count of an array, set or push (`pairs`: a map's).
    Count {
        pairs: bool,
    },
}

/// Where the reader is inside the current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The type byte of a value.
    Type,
    /// A line whose content is skipped, up to `limit` bytes.
    SkipLine { limit: u64 },
    /// A line holding a number.
    NumberLine(Number),
    /// Bulk content still to come, then the line that ends it.
    Content(u64),
    /// A boolean's value byte.
    Boolean,
}

/// Reads one direction.
#[derive(Debug)]
pub struct RespReader {
    side: Side,
    step: Step,
    /// Elements still to come in each open aggregate, innermost last.
    open: Vec<u64>,
    /// Bytes of the current line so far (only numbers keep theirs).
    line: Vec<u8>,
    line_len: u64,
    after_cr: bool,
}

impl RespReader {
    pub fn new(side: Side) -> Self {
        RespReader {
            side,
            step: Step::Type,
            open: Vec::new(),
            line: Vec::new(),
            line_len: 0,
            after_cr: false,
        }
    }

    /// Reads `data`; `Ok(n)`: `n` top-level messages completed; `Err`: the
    /// bytes are not RESP.
    pub fn feed(&mut self, data: &[u8]) -> Result<usize, &'static str> {
        let mut done = 0;
        let mut rest = data;
        while let Some((&b, tail)) = rest.split_first() {
            rest = tail;
            if let Step::Content(n) = self.step {
                // Skip what is left of the content in one go.
                let take = usize::try_from(n).unwrap_or(usize::MAX).min(rest.len() + 1);
                let skipped = take.saturating_sub(1);
                rest = &rest[skipped..];
                let left = n - take as u64;
                self.step = if left == 0 {
                    Step::SkipLine { limit: MAX_SIZE }
                } else {
                    Step::Content(left)
                };
                continue;
            }
            if self.byte(b)? {
                done += 1;
            }
        }
        Ok(done)
    }

    /// One byte; true when it ended a top-level message.
    fn byte(&mut self, b: u8) -> Result<bool, &'static str> {
        match self.step {
            Step::Type => self.type_byte(b),
            Step::Boolean => {
                self.step = Step::SkipLine { limit: MAX_SIZE };
                Ok(false)
            }
            Step::SkipLine { limit } => match self.line_byte(b, limit, false)? {
                true => Ok(self.value_done()),
                false => Ok(false),
            },
            Step::NumberLine(number) => match self.line_byte(b, MAX_SIZE, true)? {
                true => self.number(number),
                false => Ok(false),
            },
            Step::Content(_) => Ok(false),
        }
    }

    fn type_byte(&mut self, b: u8) -> Result<bool, &'static str> {
        let top = self.open.is_empty();
        if self.side == Side::Client {
            self.step = match (top, b) {
                (true, b'*') => Step::NumberLine(Number::Count { pairs: false }),
                // An inline command: its first byte is part of the line.
                (true, _) => {
                    self.step = Step::SkipLine { limit: MAX_INLINE };
                    return match self.line_byte(b, MAX_INLINE, false)? {
                        true => Ok(self.value_done()),
                        false => Ok(false),
                    };
                }
                (false, b'$') => Step::NumberLine(Number::BulkLength),
                (false, _) => return Err("command element is not a bulk string"),
            };
            return Ok(false);
        }
        self.step = match b {
            b'+' | b'-' | b'(' | b'_' => Step::SkipLine { limit: MAX_SIZE },
            b':' => Step::NumberLine(Number::Integer),
            b',' => Step::NumberLine(Number::Double),
            b'$' | b'!' | b'=' => Step::NumberLine(Number::BulkLength),
            b'*' | b'~' | b'>' => Step::NumberLine(Number::Count { pairs: false }),
            b'%' => Step::NumberLine(Number::Count { pairs: true }),
            b'#' => Step::Boolean,
            _ => return Err("unknown RESP type"),
        };
        Ok(false)
    }

    /// One byte of a line; true when the line ended (CRLF). `keep`: the
    /// line's bytes are needed.
    fn line_byte(&mut self, b: u8, limit: u64, keep: bool) -> Result<bool, &'static str> {
        if b == b'\n' && self.after_cr {
            self.after_cr = false;
            if keep {
                self.line.pop();
            }
            self.line_len = 0;
            return Ok(true);
        }
        self.after_cr = b == b'\r';
        self.line_len += 1;
        if self.line_len > limit {
            return Err("RESP line too long");
        }
        if keep {
            if self.line.len() > MAX_NUMBER {
                return Err("RESP number too long");
            }
            self.line.push(b);
        }
        Ok(false)
    }

    /// A number line ended.
    fn number(&mut self, number: Number) -> Result<bool, &'static str> {
        let text = std::mem::take(&mut self.line);
        match number {
            Number::Integer => {
                parse_int(&text)?;
                Ok(self.value_done())
            }
            Number::Double => {
                let ok = std::str::from_utf8(&text)
                    .ok()
                    .is_some_and(|s| s.trim().parse::<f64>().is_ok());
                if !ok {
                    return Err("invalid RESP double");
                }
                Ok(self.value_done())
            }
            Number::BulkLength => {
                let len = parse_int(&text)?;
                if len > MAX_SIZE as i64 {
                    return Err("RESP bulk string too long");
                }
                // A negative length has no content; the line after it
                // still ends the value, as Zeek reads it.
                self.step = if len > 0 {
                    Step::Content(len as u64)
                } else {
                    Step::SkipLine { limit: MAX_SIZE }
                };
                Ok(false)
            }
            Number::Count { pairs } => {
                let n = parse_int(&text)?;
                if n > MAX_SIZE as i64 || (pairs && n < 0) {
                    return Err("invalid RESP element count");
                }
                // A negative count is read as a huge one, as Zeek does.
                let n = (n as u64).wrapping_mul(if pairs { 2 } else { 1 });
                if n == 0 {
                    return Ok(self.value_done());
                }
                if self.open.len() >= MAX_DEPTH {
                    return Err("RESP nested too deep");
                }
                self.open.push(n);
                self.step = Step::Type;
                Ok(false)
            }
        }
    }

    /// A value ended: counts it in its aggregate; true when that completed
    /// a top-level message.
    fn value_done(&mut self) -> bool {
        self.step = Step::Type;
        while let Some(left) = self.open.last_mut() {
            *left -= 1;
            if *left > 0 {
                return false;
            }
            self.open.pop();
        }
        true
    }
}

/// A decimal integer as Zeek's `to_int(10)` reads it.
fn parse_int(text: &[u8]) -> Result<i64, &'static str> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or("invalid RESP integer")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(side: Side, chunks: &[&[u8]]) -> Result<usize, &'static str> {
        let mut r = RespReader::new(side);
        let mut n = 0;
        for c in chunks {
            n += r.feed(c)?;
        }
        Ok(n)
    }

    #[test]
    fn commands_as_arrays_and_inline() {
        let auth = b"*2\r\n$4\r\nAUTH\r\n$4\r\nzeek\r\n";
        assert_eq!(messages(Side::Client, &[auth]), Ok(1));
        assert_eq!(messages(Side::Client, &[&auth[..7], &auth[7..]]), Ok(1));
        assert_eq!(messages(Side::Client, &[b"PING\r\nPING\r\n"]), Ok(2));
        assert!(messages(Side::Client, &[b"*1\r\n:4\r\n"]).is_err());
    }

    #[test]
    fn replies_of_every_type() {
        let replies: &[&[u8]] = &[
            b"+OK\r\n",
            b"-ERR no\r\n",
            b":42\r\n",
            b"$5\r\nhello\r\n",
            b"*2\r\n+a\r\n:1\r\n",
            b"%1\r\n+k\r\n+v\r\n",
            b"#t\r\n",
            b",3.5\r\n",
            b"_\r\n",
            b"*0\r\n",
        ];
        for r in replies {
            assert_eq!(messages(Side::Server, &[r]), Ok(1), "{r:?}");
        }
        assert_eq!(
            messages(Side::Server, &[b"*2\r\n+a\r\n"]),
            Ok(0),
            "incomplete"
        );
        assert!(messages(Side::Server, &[b"hello\r\n"]).is_err());
        assert!(messages(Side::Server, &[b":x\r\n"]).is_err());
    }

    #[test]
    fn limits_bound_lines_lengths_and_nesting() {
        let long = vec![b'a'; 2000];
        assert!(messages(Side::Client, &[&long]).is_err(), "inline > 1024");
        assert!(messages(Side::Server, &[b"$99999999\r\n"]).is_err());
        let deep = b"*1\r\n".repeat(MAX_DEPTH + 1);
        assert!(messages(Side::Server, &[&deep]).is_err());
    }
}
