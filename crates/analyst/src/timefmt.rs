//! Times formatted as zeek-cut formats them: the C library's
//! `localtime_r`/`gmtime_r` and `strftime` into a 100-byte buffer, so every
//! format and time zone gives zeek-cut's text.

use std::ffi::CString;

/// zeek-cut's buffer: longer results are a conversion failure.
const MAX_TIMESTAMP_LEN: usize = 100;

/// Why a time could not be formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// The C library cannot break the time down.
    OutOfRange,
    /// The result does not fit zeek-cut's buffer (or is empty).
    TooLong,
}

/// A strftime format and the zone to break times down in.
pub struct TimeFormat {
    format: CString,
    utc: bool,
}

impl TimeFormat {
    /// `None` when the format has a NUL byte.
    pub fn new(format: &str, utc: bool) -> Option<TimeFormat> {
        Some(TimeFormat {
            format: CString::new(format).ok()?,
            utc,
        })
    }

    /// Appends `secs` (since the epoch) formatted to `out`.
    pub fn write(&self, secs: i64, out: &mut Vec<u8>) -> Result<(), TimeError> {
        let t = libc::time_t::try_from(secs).map_err(|_| TimeError::OutOfRange)?;
        // SAFETY: `tm` is plain data the C library fills; both calls get
        // valid pointers to locals and return NULL on failure.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        let broken = unsafe {
            if self.utc {
                libc::gmtime_r(&t, &mut tm)
            } else {
                libc::localtime_r(&t, &mut tm)
            }
        };
        if broken.is_null() {
            return Err(TimeError::OutOfRange);
        }
        let mut buf = [0u8; MAX_TIMESTAMP_LEN];
        // SAFETY: the buffer's length is passed; the format is NUL-terminated.
        let n = unsafe {
            libc::strftime(
                buf.as_mut_ptr().cast(),
                buf.len(),
                self.format.as_ptr(),
                &tm,
            )
        };
        if n == 0 {
            return Err(TimeError::TooLong);
        }
        out.extend_from_slice(&buf[..n]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(fmt: &str, secs: i64) -> Result<String, TimeError> {
        let mut out = Vec::new();
        TimeFormat::new(fmt, true).unwrap().write(secs, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn formats_in_utc() {
        assert_eq!(
            utc("%Y-%m-%dT%H:%M:%S%z", 1_258_531_221).unwrap(),
            "2009-11-18T08:00:21+0000"
        );
        assert_eq!(utc("%s %j %a", 0).unwrap(), "0 001 Thu");
    }

    #[test]
    fn failures() {
        assert_eq!(utc(&"%Y".repeat(40), 0), Err(TimeError::TooLong));
        assert_eq!(utc("%Y", i64::MAX), Err(TimeError::OutOfRange));
    }
}
