//! Zeek's POP3 session state machine, as far as it decides confirmation,
//! violations and the STARTTLS switch.

use std::collections::VecDeque;

/// Client commands kept waiting for the server (Zeek's
/// `POP3::max_pending_commands`); beyond it the oldest is dropped.
const MAX_PENDING: usize = 10;
/// Unknown client commands tolerated (Zeek's
/// `POP3::max_unknown_client_commands`); beyond it each is a violation.
const MAX_UNKNOWN: u32 = 10;
/// Bytes of a pending command kept (bounds memory; only the command word
/// and whether an argument follows matter).
const MAX_KEPT: usize = 256;

/// Zeek's `masterState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Start,
    Authorization,
    Transaction,
    Update,
    Finished,
}

/// The commands Zeek knows, also the last command's state (Zeek's
/// `state`); `Start` before any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Cmd {
    #[default]
    Start,
    Ok,
    Err,
    User,
    Pass,
    Apop,
    Auth,
    AuthLogin,
    AuthPlain,
    AuthCramMd5,
    Stat,
    List,
    Retr,
    Dele,
    Rset,
    Noop,
    Last,
    Quit,
    Top,
    Capa,
    Uidl,
    Stls,
    Xsender,
}

const WORDS: [(&[u8], Cmd); 19] = [
    (b"OK", Cmd::Ok),
    (b"ERR", Cmd::Err),
    (b"USER", Cmd::User),
    (b"PASS", Cmd::Pass),
    (b"APOP", Cmd::Apop),
    (b"AUTH", Cmd::Auth),
    (b"STAT", Cmd::Stat),
    (b"LIST", Cmd::List),
    (b"RETR", Cmd::Retr),
    (b"DELE", Cmd::Dele),
    (b"RSET", Cmd::Rset),
    (b"NOOP", Cmd::Noop),
    (b"LAST", Cmd::Last),
    (b"QUIT", Cmd::Quit),
    (b"TOP", Cmd::Top),
    (b"CAPA", Cmd::Capa),
    (b"UIDL", Cmd::Uidl),
    (b"STLS", Cmd::Stls),
    (b"XSENDER", Cmd::Xsender),
];

/// A command word (a leading `+` or `-` dropped, any case).
fn parse_cmd(word: &[u8]) -> Option<Cmd> {
    let word = match word.first() {
        Some(b'+' | b'-') => &word[1..],
        _ => word,
    };
    WORDS
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|(_, c)| *c)
}

/// The first word of a line and whether an argument follows it.
fn split(line: &[u8]) -> (&[u8], bool) {
    let line = line.trim_ascii();
    match line.iter().position(|&c| c == b' ') {
        Some(i) => (&line[..i], !line[i..].trim_ascii().is_empty()),
        None => (line, false),
    }
}

/// What a line means for the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    None,
    Confirm,
    /// The server accepted STLS: confirmed, and TLS follows.
    StartTls,
    Violation(&'static str),
}

#[derive(Debug, Default)]
pub struct Session {
    phase: Phase,
    state: Cmd,
    /// The state a command out of its phase would have had, taken if the
    /// server accepts it anyway (Zeek's `guessing` and `lastState`).
    guess: Option<Cmd>,
    waiting_for_auth: bool,
    wants_multi_line: bool,
    multi_line: bool,
    /// Client commands not answered yet; the front one is being handled.
    pending: VecDeque<Vec<u8>>,
    unknown_commands: u32,
    weirds: Vec<(&'static str, Option<String>)>,
}

impl Session {
    /// Weirds raised since the last call.
    pub fn take_weirds(&mut self) -> Vec<(&'static str, Option<String>)> {
        std::mem::take(&mut self.weirds)
    }

    /// One line from the client.
    pub fn client_line(&mut self, line: &[u8]) -> Verdict {
        if line.is_empty() || self.waiting_for_auth {
            // Authentication data lines carry no command.
            return Verdict::None;
        }
        self.pending
            .push_back(line[..line.len().min(MAX_KEPT)].to_vec());
        if self.pending.len() > MAX_PENDING {
            self.weirds
                .push(("pop3_client_too_many_pending_commands", None));
            self.pending.pop_front();
        }
        if self.pending.len() == 1 {
            return self.client_command();
        }
        Verdict::None
    }

    /// The server answered the front command: the next one is handled.
    fn finish_command(&mut self) -> Verdict {
        if self.pending.pop_front().is_none() {
            return Verdict::None;
        }
        self.client_command()
    }

    /// Handles the command in front of the queue.
    fn client_command(&mut self) -> Verdict {
        let Some(line) = self.pending.front() else {
            return Verdict::None;
        };
        let (word, has_arg) = split(line);
        let Some(cmd) = parse_cmd(word) else {
            let word = String::from_utf8_lossy(word).into_owned();
            self.weirds
                .push(("pop3_client_command_unknown", Some(word)));
            self.unknown_commands += 1;
            if self.unknown_commands > MAX_UNKNOWN {
                return Verdict::Violation("too many unknown client commands");
            }
            return Verdict::None;
        };
        let auth_method = (cmd == Cmd::Auth && has_arg).then(|| auth_method(line));
        let in_transaction = self.phase == Phase::Transaction;
        match cmd {
            Cmd::Ok | Cmd::Err => self
                .weirds
                .push(("pop3_client_sending_server_commands", None)),
            Cmd::User | Cmd::Apop if self.phase == Phase::Authorization => self.state = cmd,
            Cmd::Pass if self.phase == Phase::Authorization && self.state == Cmd::User => {
                self.state = Cmd::Pass
            }
            Cmd::Auth if self.phase == Phase::Authorization => match auth_method {
                Some(method) => {
                    self.state = method;
                    self.waiting_for_auth = true;
                }
                None => {
                    self.wants_multi_line = true;
                    self.state = Cmd::Auth;
                }
            },
            Cmd::Stat if in_transaction => self.state = cmd,
            Cmd::List | Cmd::Uidl => {
                self.wants_multi_line |= !has_arg;
                self.in_transaction_or_guess(cmd, cmd);
            }
            Cmd::Retr | Cmd::Top => {
                self.wants_multi_line = true;
                self.in_transaction_or_guess(cmd, cmd);
            }
            Cmd::Dele | Cmd::Rset | Cmd::Noop | Cmd::Last => self.in_transaction_or_guess(cmd, cmd),
            Cmd::Xsender => self.in_transaction_or_guess(Cmd::Last, cmd),
            Cmd::Quit if self.phase != Phase::Update && self.phase != Phase::Finished => {
                self.state = cmd
            }
            Cmd::Quit => self.guess = Some(Cmd::Last),
            Cmd::Capa => {
                self.state = cmd;
                self.wants_multi_line = true;
            }
            Cmd::Stls => self.state = cmd,
            // Out of its phase: Zeek only raises an event.
            _ => {}
        }
        Verdict::None
    }

    /// A transaction command: taken in the transaction phase (as `state`),
    /// otherwise remembered as `guess` in case the server accepts it.
    fn in_transaction_or_guess(&mut self, state: Cmd, guess: Cmd) {
        if self.phase == Phase::Transaction {
            self.state = state;
        } else {
            self.guess = Some(guess);
        }
    }

    /// One line from the server.
    pub fn server_line(&mut self, line: &[u8]) -> Verdict {
        if self.multi_line {
            if line == b"." {
                self.wants_multi_line = false;
                self.multi_line = false;
                return self.finish_command();
            }
            return Verdict::None;
        }
        let (word, _) = split(line);
        match parse_cmd(word) {
            None if self.waiting_for_auth => Verdict::None,
            None => {
                let word = String::from_utf8_lossy(word).into_owned();
                self.weirds
                    .push(("pop3_server_command_unknown", Some(word)));
                Verdict::Violation("unknown server command")
            }
            Some(Cmd::Ok) => self.accepted(),
            Some(Cmd::Err) => self.refused(),
            Some(_) => {
                self.weirds
                    .push(("pop3_server_sending_client_commands", None));
                Verdict::None
            }
        }
    }

    /// `+OK` to the front command.
    fn accepted(&mut self) -> Verdict {
        if let Some(state) = self.guess.take() {
            self.phase = Phase::Transaction;
            self.state = state;
        }
        let mut verdict = Verdict::None;
        match self.state {
            Cmd::Start => self.phase = Phase::Authorization,
            Cmd::User => {
                self.phase = Phase::Authorization;
                verdict = Verdict::Confirm;
            }
            Cmd::Pass
            | Cmd::Apop
            | Cmd::Noop
            | Cmd::Last
            | Cmd::Stat
            | Cmd::Rset
            | Cmd::Dele
            | Cmd::Xsender => self.phase = Phase::Transaction,
            Cmd::Auth | Cmd::AuthLogin | Cmd::AuthPlain | Cmd::AuthCramMd5 => {
                self.multi_line |= self.wants_multi_line;
                if self.waiting_for_auth {
                    self.phase = Phase::Transaction;
                }
                self.waiting_for_auth = false;
            }
            Cmd::Top | Cmd::Retr | Cmd::Uidl | Cmd::List => {
                self.multi_line |= self.wants_multi_line
            }
            Cmd::Capa => {
                self.multi_line |= self.wants_multi_line;
                verdict = Verdict::Confirm;
            }
            Cmd::Stls => return Verdict::StartTls,
            Cmd::Quit => {
                self.phase = match self.phase {
                    Phase::Transaction => Phase::Update,
                    Phase::Authorization | Phase::Start => Phase::Finished,
                    p => p,
                }
            }
            Cmd::Ok | Cmd::Err => {}
        }
        if self.multi_line {
            return verdict;
        }
        match self.finish_command() {
            Verdict::None => verdict,
            next => next,
        }
    }

    /// `-ERR` to the front command.
    fn refused(&mut self) -> Verdict {
        self.multi_line = false;
        self.wants_multi_line = false;
        self.guess = None;
        self.waiting_for_auth = false;
        match self.state {
            Cmd::User
            | Cmd::Pass
            | Cmd::Apop
            | Cmd::Auth
            | Cmd::AuthLogin
            | Cmd::AuthPlain
            | Cmd::AuthCramMd5 => {
                self.phase = Phase::Authorization;
                self.state = Cmd::Start;
            }
            Cmd::Noop
            | Cmd::Last
            | Cmd::Stat
            | Cmd::Rset
            | Cmd::Dele
            | Cmd::List
            | Cmd::Retr
            | Cmd::Uidl
            | Cmd::Top
            | Cmd::Xsender => self.phase = Phase::Transaction,
            Cmd::Quit => self.phase = Phase::Finished,
            _ => {}
        }
        self.finish_command()
    }
}

/// The state an `AUTH <method>` command leads to.
fn auth_method(line: &[u8]) -> Cmd {
    let has = |m: &[u8]| line.windows(m.len()).any(|w| w == m);
    if has(b"LOGIN") {
        Cmd::AuthLogin
    } else if has(b"PLAIN") {
        Cmd::AuthPlain
    } else if has(b"CRAM-MD5") {
        Cmd::AuthCramMd5
    } else {
        Cmd::Auth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[(bool, &[u8])]) -> (Vec<Verdict>, Session) {
        let mut s = Session::default();
        let verdicts = lines
            .iter()
            .map(|(orig, l)| {
                if *orig {
                    s.client_line(l)
                } else {
                    s.server_line(l)
                }
            })
            .collect();
        (verdicts, s)
    }

    #[test]
    fn pipelined_commands_wait_for_their_answer() {
        let (v, _) = run(&[
            (false, b"+OK hi"),
            (true, b"USER bob"),
            (true, b"PASS secret"),
            (false, b"+OK user ok"),
            (false, b"+OK logged in"),
            (true, b"USER again"),
            (false, b"+OK"),
        ]);
        assert_eq!(v[3], Verdict::Confirm, "answers USER");
        assert_eq!(v[4], Verdict::None, "answers PASS");
        assert_eq!(v[6], Verdict::None, "USER is out of place in a transaction");
    }

    #[test]
    fn multi_line_answers_end_at_a_lone_dot() {
        let (v, _) = run(&[
            (false, b"+OK hi"),
            (true, b"CAPA"),
            (true, b"STLS"),
            (false, b"+OK caps"),
            (false, b"STLS"),
            (false, b"."),
            (false, b"+OK go"),
        ]);
        assert_eq!(v[3], Verdict::Confirm);
        assert_eq!(v[4], Verdict::None, "capability lines are data");
        assert_eq!(v[6], Verdict::StartTls);
    }

    #[test]
    fn unknown_server_words_are_a_violation() {
        let (v, mut s) = run(&[(false, b"+PONG")]);
        assert_eq!(v[0], Verdict::Violation("unknown server command"));
        assert_eq!(s.take_weirds()[0].0, "pop3_server_command_unknown");
    }

    #[test]
    fn pending_commands_and_unknown_ones_are_bounded() {
        let mut s = Session::default();
        for _ in 0..100 {
            assert_eq!(s.client_line(b"*1"), Verdict::None);
        }
        assert!(s.pending.len() <= MAX_PENDING);
        assert!(s
            .take_weirds()
            .iter()
            .any(|(n, _)| *n == "pop3_client_too_many_pending_commands"));
        // Only the front command is handled: one unknown so far.
        assert_eq!(s.unknown_commands, 1);
        let too_many = Verdict::Violation("too many unknown client commands");
        let mut violated = false;
        for _ in 0..=MAX_UNKNOWN {
            violated |= s.server_line(b"+OK") == too_many;
            violated |= s.client_line(b"*1") == too_many;
        }
        assert!(violated);
    }
}
