//! Authentication outcome from encrypted packet sizes (Zeek's SSH
//! analyzer heuristics): after NEWKEYS the server's replies have telling
//! sizes. SERVICE_ACCEPT sets the baseline; USERAUTH_FAILURE replies
//! repeat one size; USERAUTH_SUCCESS is 16 bytes shorter than the
//! baseline.

/// Bytes a USERAUTH_SUCCESS packet is shorter than SERVICE_ACCEPT.
const SUCCESS_DELTA: i64 = 16;
/// A first reply this much larger than the baseline is a pre-auth banner.
const BANNER_SLACK: i64 = 256;

/// Sizes seen so far on one SSH2 connection.
#[derive(Debug, Default)]
pub struct AuthInference {
    decided: bool,
    saw_client_data: bool,
    skipped_banner: bool,
    service_accept_size: i64,
    userauth_failure_size: i64,
}

impl AuthInference {
    /// One encrypted segment of `len` bytes from the client (`is_orig`) or
    /// the server. `Some(authenticated)` is an authentication attempt
    /// (Zeek's `ssh_auth_attempted`).
    pub fn segment(&mut self, is_orig: bool, len: usize) -> Option<bool> {
        if self.decided {
            return None;
        }
        let len = len as i64;
        if is_orig {
            self.saw_client_data = true;
            return None;
        }
        // Server data before any client data is not a reply to anything.
        if !self.saw_client_data {
            return None;
        }
        if self.service_accept_size == 0 {
            self.service_accept_size = len;
            return None;
        }
        let success = len + SUCCESS_DELTA == self.service_accept_size;
        if self.userauth_failure_size == 0 {
            // "none" authentication succeeding straight away.
            if success {
                return self.decide();
            }
            if !self.skipped_banner && len - self.service_accept_size > BANNER_SLACK {
                self.skipped_banner = true;
                return None;
            }
            self.userauth_failure_size = len;
            return None;
        }
        if len == self.userauth_failure_size {
            return Some(false);
        }
        if success {
            return self.decide();
        }
        None
    }

    fn decide(&mut self) -> Option<bool> {
        self.decided = true;
        Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(segments: &[(bool, usize)]) -> Vec<bool> {
        let mut a = AuthInference::default();
        segments
            .iter()
            .filter_map(|&(o, n)| a.segment(o, n))
            .collect()
    }

    #[test]
    fn failures_repeat_the_first_failure_size_then_success() {
        let ev = run(&[
            (false, 52), // server before client: ignored
            (true, 52),  // SERVICE_REQUEST
            (false, 52), // SERVICE_ACCEPT: baseline
            (true, 68),
            (false, 68), // first USERAUTH_FAILURE: its size
            (true, 100),
            (false, 68), // failed attempt
            (true, 100),
            (false, 36), // 16 below baseline: success
            (false, 68), // decided: nothing more
        ]);
        assert_eq!(ev, vec![false, true]);
    }

    #[test]
    fn none_auth_success_and_banner_skip() {
        assert_eq!(run(&[(true, 52), (false, 52), (false, 36)]), vec![true]);
        // A big first reply (a banner) is skipped once.
        assert_eq!(
            run(&[
                (true, 52),
                (false, 52),
                (false, 600),
                (false, 68),
                (false, 68)
            ]),
            vec![false]
        );
    }
}
