//! The FTP session as Zeek's scripts track it (`base/protocols/ftp`):
//! commands wait in a queue until a reply matches them, a row is written
//! per command/reply pair, the working directory follows CWD/CDUP/PWD, and
//! PORT/EPRT commands and PASV/EPSV replies announce data connections.

use super::channel;
use super::data::{FtpDataAnalyzer, SharedDataFile};
use super::paths;
use super::record::FtpRecord;
use super::FtpConfig;
use crate::context::{Context, Expectation};
use crate::dpd::Kind;
use crate::record::AppRecord;
use crate::software;
use records::{Interval, Port, Time, ZString};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};

/// How long an announced data connection is waited for.
const DATA_CHANNEL_TIMEOUT: Interval = Interval(300 * 1_000_000_000);

/// Commands whose argument names a file or directory: logged as a URL.
const FILE_CMDS: &[&str] = &[
    "APPE", "CWD", "DELE", "MKD", "RETR", "RMD", "RNFR", "RNTO", "STOR", "STOU", "REST", "SIZE",
    "MDTM",
];

/// Zeek's `FTP::cmd_reply_code`: the replies each command expects (0 marks
/// an unsolicited reply line).
const CMD_REPLY_CODES: &[(&str, &[u32])] = &[
    ("<init>", &[0, 120, 220, 421]),
    ("<missing>", &[0]),
    ("USER", &[230, 331, 332, 421, 530, 500, 501]),
    ("PASS", &[230, 202, 332, 421, 530, 500, 501, 503]),
    ("ACCT", &[230, 202, 421, 530, 500, 501, 503]),
    ("CWD", &[250, 421, 500, 501, 502, 530, 550]),
    ("CDUP", &[200, 250, 421, 500, 501, 502, 530, 550]),
    ("SMNT", &[202, 250, 421, 500, 501, 502, 530, 550]),
    ("REIN", &[120, 220, 421, 500, 502]),
    ("QUIT", &[0, 221, 500]),
    ("PORT", &[200, 421, 500, 501, 530]),
    ("PASV", &[227, 421, 500, 501, 502, 530]),
    ("MODE", &[200, 421, 500, 501, 502, 504, 530]),
    ("TYPE", &[200, 421, 500, 501, 504, 530]),
    ("STRU", &[200, 421, 500, 501, 504, 530]),
    ("ALLO", &[200, 202, 421, 500, 501, 504, 530]),
    ("REST", &[200, 350, 421, 500, 501, 502, 530]),
    (
        "STOR",
        &[
            110, 125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501,
            530, 550,
        ],
    ),
    (
        "STOU",
        &[
            110, 125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 452, 553, 500, 501,
            530, 550,
        ],
    ),
    (
        "RETR",
        &[
            110, 125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 530, 550,
        ],
    ),
    (
        "LIST",
        &[
            125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 502, 530, 550,
        ],
    ),
    (
        "NLST",
        &[
            125, 150, 226, 250, 421, 425, 426, 451, 450, 500, 501, 502, 530, 550,
        ],
    ),
    (
        "APPE",
        &[
            125, 150, 226, 250, 421, 425, 426, 451, 551, 552, 532, 450, 550, 452, 553, 500, 501,
            502, 530,
        ],
    ),
    ("RNFR", &[350, 421, 450, 550, 500, 501, 502, 530]),
    ("RNTO", &[250, 421, 532, 553, 500, 501, 502, 503, 530]),
    ("DELE", &[250, 421, 450, 550, 500, 501, 502, 530]),
    ("RMD", &[250, 421, 500, 501, 502, 530, 550]),
    ("MKD", &[257, 421, 500, 501, 502, 530, 550]),
    ("PWD", &[257, 421, 500, 501, 502, 550]),
    ("ABOR", &[225, 226, 421, 500, 501, 502]),
    ("SYST", &[215, 421, 500, 501, 502, 530]),
    ("STAT", &[211, 212, 213, 421, 450, 500, 501, 502, 530]),
    ("HELP", &[200, 211, 214, 421, 500, 501, 502]),
    ("SITE", &[200, 202, 214, 500, 501, 502, 530]),
    ("NOOP", &[200, 421, 500]),
    ("LPRT", &[500, 501, 521]),
    ("FEAT", &[211, 500, 502]),
    ("OPTS", &[200, 451, 501]),
    ("EPSV", &[229, 500, 501]),
    ("EPRT", &[200, 500, 501, 522]),
    ("SIZE", &[213, 500, 501, 550]),
    ("MDTM", &[213, 500, 501, 550]),
    ("MLST", &[150, 226, 250, 500, 501, 550]),
    ("MLSD", &[150, 226, 250, 500, 501, 550]),
    ("CLNT", &[200, 500]),
    ("MACB", &[200, 500, 550]),
];

/// Replies that change the working directory when they answer the command.
const DIRECTORY_CMDS: &[(&str, u32)] = &[
    ("CWD", 250),
    ("CDUP", 200),
    ("CDUP", 250),
    ("PWD", 257),
    ("XPWD", 257),
];

const HIDDEN: &[u8] = b"<hidden>";

/// Bytes kept of the working directory (CWD replies make it grow).
const MAX_CWD: usize = super::nvt::MAX_LINE;

/// A command waiting for (or matched with) its reply.
#[derive(Debug, Clone)]
struct CmdArg {
    /// Position in the session; 0 for the stand-in of a reply that no
    /// command waits for.
    seq: u64,
    ts: Time,
    cmd: String,
    arg: Vec<u8>,
    /// Its reply already moved the working directory.
    cwd_consumed: bool,
}

impl CmdArg {
    /// Zeek's empty `CmdArg`, matched when no command is pending.
    fn unknown() -> Self {
        CmdArg {
            seq: 0,
            ts: Time(0),
            cmd: "<unknown>".into(),
            arg: Vec::new(),
            cwd_consumed: false,
        }
    }

    /// Zeek's `get_pending_cmd` score of this command for a reply.
    fn score(&self, code: u32, msg: &[u8]) -> u32 {
        let expected = code == 500
            || CMD_REPLY_CODES
                .iter()
                .any(|(c, codes)| *c == self.cmd && codes.contains(&code));
        100 * u32::from(expected)
            + 20 * u32::from(contains(msg, self.cmd.as_bytes()))
            + 10 * u32::from(contains(msg, &self.arg))
    }
}

/// An announced data connection (`data_channel.*`).
#[derive(Debug, Clone, Copy)]
struct DataChannel {
    passive: bool,
    orig_h: IpAddr,
    resp_h: IpAddr,
    resp_p: u16,
}

/// The state of one control connection (Zeek's `FTP::Info`).
pub struct Session {
    user: Vec<u8>,
    password: Option<Vec<u8>>,
    reply_code: Option<u32>,
    reply_msg: Option<Vec<u8>>,
    file_size: Option<u64>,
    data_channel: Option<DataChannel>,
    cwd: Vec<u8>,
    /// `ftp://<server>` of the URLs in `arg`.
    url_base: Vec<u8>,
    /// The command the last reply was matched with.
    cmdarg: Option<CmdArg>,
    /// Commands without a final reply yet, by sequence number.
    pending: BTreeMap<u64, CmdArg>,
    command_seq: u64,
    capture_password: bool,
    /// File id and MIME type reported by the data connections.
    data_file: SharedDataFile,
}

impl Session {
    /// A session starting now, with a stand-in `<init>` command for the
    /// server's greeting.
    pub fn new(cx: &Context<'_>) -> Self {
        let mut s = Session {
            user: b"<unknown>".to_vec(),
            password: None,
            reply_code: None,
            reply_msg: None,
            file_size: None,
            data_channel: None,
            cwd: b".".to_vec(),
            url_base: paths::ftp_base(cx.conn.resp_h),
            cmdarg: None,
            pending: BTreeMap::new(),
            command_seq: 0,
            capture_password: cx.config.ftp.capture_password,
            data_file: SharedDataFile::default(),
        };
        s.add_pending(cx.now, "<init>", b"");
        s
    }

    /// A client command (Zeek's `ftp_request` handler).
    pub fn request(&mut self, cx: &mut Context<'_>, cmd: &str, arg: &[u8]) {
        if self.reply_code.is_some() {
            if let Some(prev) = self.cmdarg.clone() {
                if self.pending.remove(&prev.seq).is_some() {
                    self.write(cx, &prev);
                }
            }
        }
        let config = cx.config;
        let cfg = &config.ftp;
        if self.pending.len() < cfg.max_pending_commands {
            self.add_pending(cx.now, cmd, arg);
        } else {
            let n = self.pending.len().to_string();
            cx.weird("FTP", "FTP_too_many_pending_commands", Some(n));
        }
        match cmd {
            "USER" => {
                self.user = arg.to_vec();
                truncate(cx, &mut self.user, cfg.max_user_length, "FTP_user_too_long");
            }
            "PASS" => {
                let mut pass = arg.to_vec();
                truncate(
                    cx,
                    &mut pass,
                    cfg.max_password_length,
                    "FTP_password_too_long",
                );
                self.password = Some(pass);
            }
            // policy/protocols/ftp/software: the client names itself.
            "CLNT" if config.software.ftp => {
                let orig_h = cx.conn.orig_h;
                software::found(cx, software::SoftwareType::FtpClient, orig_h, None, arg);
            }
            "PORT" | "EPRT" => {
                let parsed = if cmd == "PORT" {
                    channel::parse_port(arg)
                } else {
                    channel::parse_eprt(arg)
                };
                if let Some((resp_h, resp_p)) = parsed {
                    let orig_h = cx.conn.resp_h;
                    self.expect_data(
                        cx,
                        DataChannel {
                            passive: false,
                            orig_h,
                            resp_h,
                            resp_p,
                        },
                    );
                }
            }
            _ => {}
        }
    }

    /// A server reply line (Zeek's `ftp_reply` handler); `code` is 0 and
    /// `cont` set for the inner lines of a multi-line reply.
    pub fn reply(&mut self, cx: &mut Context<'_>, code: u32, msg: &[u8], cont: bool) {
        // Inner lines only count when they look like a reply of their own
        // (servers that never close a multi-line reply).
        if cont && code == 0 && self.reply_code.is_some() && !looks_like_reply(msg) {
            return;
        }
        let cmdarg = self.best_pending(code, msg);
        self.cmdarg = Some(cmdarg.clone());
        self.reply_code = Some(code);
        self.reply_msg = Some(msg.to_vec());
        if cont {
            return;
        }
        match (code, cmdarg.cmd.as_str()) {
            (150, "RETR") | (213, "SIZE") => self.file_size = Some(channel::last_count(msg)),
            (227 | 229, "PASV" | "EPSV") => self.passive_reply(cx, code, msg),
            _ => {}
        }
        self.follow_directory(&cmdarg, code, msg);
        if self.pending.len() > 1 {
            self.pending.remove(&cmdarg.seq);
            self.write(cx, &cmdarg);
        }
    }

    /// The connection ends: every command still waiting gets its row, with
    /// whatever reply came last (Zeek's `finalize_ftp`).
    pub fn finish(&mut self, cx: &mut Context<'_>) {
        for (_, cmdarg) in std::mem::take(&mut self.pending) {
            self.write(cx, &cmdarg);
        }
    }

    fn add_pending(&mut self, now: Time, cmd: &str, arg: &[u8]) {
        self.command_seq += 1;
        let seq = self.command_seq;
        self.pending.insert(
            seq,
            CmdArg {
                seq,
                ts: now,
                cmd: cmd.to_string(),
                arg: arg.to_vec(),
                cwd_consumed: false,
            },
        );
    }

    /// The pending command the reply most likely answers: the highest
    /// score, the oldest on ties.
    fn best_pending(&self, code: u32, msg: &[u8]) -> CmdArg {
        let mut best: Option<(&CmdArg, u32)> = None;
        for c in self.pending.values() {
            let score = c.score(code, msg);
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((c, score));
            }
        }
        best.map_or_else(CmdArg::unknown, |(c, _)| c.clone())
    }

    /// A 227/229 reply: the server listens where it says.
    fn passive_reply(&mut self, cx: &mut Context<'_>, code: u32, msg: &[u8]) {
        let parsed = if code == 227 {
            channel::parse_pasv(msg)
        } else {
            channel::parse_epsv(msg)
        };
        let Some((mut resp_h, resp_p)) = parsed else {
            return;
        };
        if code == 229 && resp_h == IpAddr::V6(Ipv6Addr::UNSPECIFIED) {
            resp_h = cx.conn.resp_h;
        }
        let orig_h = cx.conn.orig_h;
        self.expect_data(
            cx,
            DataChannel {
                passive: true,
                orig_h,
                resp_h,
                resp_p,
            },
        );
    }

    /// Announces a data connection; its file reports back to this session.
    fn expect_data(&mut self, cx: &mut Context<'_>, chan: DataChannel) {
        self.data_channel = Some(chan);
        let data_file = self.data_file.clone();
        cx.expect(Expectation {
            orig_h: Some(chan.orig_h),
            resp_h: chan.resp_h,
            resp_p: chan.resp_p,
            kind: Kind::FtpData,
            timeout: DATA_CHANNEL_TIMEOUT,
            make: Box::new(move || Box::new(FtpDataAnalyzer::new(data_file))),
        });
    }

    /// CWD, CDUP and PWD replies move the working directory (once per
    /// command).
    fn follow_directory(&mut self, cmdarg: &CmdArg, code: u32, msg: &[u8]) {
        let is_dir_reply = DIRECTORY_CMDS.contains(&(cmdarg.cmd.as_str(), code));
        if !is_dir_reply || cmdarg.cwd_consumed {
            return;
        }
        for c in self
            .pending
            .get_mut(&cmdarg.seq)
            .into_iter()
            .chain(self.cmdarg.as_mut())
        {
            c.cwd_consumed = true;
        }
        self.cwd = match cmdarg.cmd.as_str() {
            "CWD" => paths::build_path_compressed(&self.cwd, &cmdarg.arg),
            // Zeek joins "/.." here, which is absolute: the result is "/..".
            "CDUP" => paths::build_path_compressed(&self.cwd, b"/.."),
            _ => paths::extract_path(msg),
        };
        self.cwd.truncate(MAX_CWD);
    }

    /// Zeek's `ftp_message`: the row of `cmdarg` if its command is logged;
    /// the per-transfer fields are cleared either way.
    fn write(&mut self, cx: &mut Context<'_>, cmdarg: &CmdArg) {
        let config = cx.config;
        let cfg = &config.ftp;
        let mut arg = if FILE_CMDS.contains(&cmdarg.cmd.as_str()) {
            paths::ftp_url(&self.url_base, &self.cwd, &cmdarg.arg)
        } else {
            cmdarg.arg.clone()
        };
        truncate(cx, &mut arg, cfg.max_arg_length, "FTP_arg_too_long");
        if let Some(msg) = &mut self.reply_msg {
            truncate(cx, msg, cfg.max_reply_msg_length, "FTP_reply_msg_too_long");
        }
        let hide = self.hides_password(cfg);
        if cmdarg.cmd == "PASS" && hide {
            arg = HIDDEN.to_vec();
        }
        if self.password.is_some() && hide {
            self.password = Some(HIDDEN.to_vec());
        }
        let (fuid, mime_type) = {
            let mut f = self.data_file.lock();
            (f.fuid.take(), f.mime_type.take())
        };
        let file_size = self.file_size.take();
        let chan = self.data_channel.take();
        if !cfg.logged_commands.contains(&cmdarg.cmd) {
            return;
        }
        let c = cx.conn;
        let rec = FtpRecord {
            ts: cmdarg.ts,
            uid: c.uid.to_string(),
            orig_h: c.orig_h,
            orig_p: Port(c.orig_p),
            resp_h: c.resp_h,
            resp_p: Port(c.resp_p),
            user: ZString(self.user.clone()),
            password: self.password.clone().map(ZString),
            command: cmdarg.cmd.clone(),
            arg: (!arg.is_empty()).then_some(ZString(arg)),
            mime_type,
            file_size,
            reply_code: self.reply_code.map(u64::from),
            reply_msg: self.reply_msg.clone().map(ZString),
            passive: chan.map(|d| d.passive),
            data_orig_h: chan.map(|d| d.orig_h),
            data_resp_h: chan.map(|d| d.resp_h),
            data_resp_p: chan.map(|d| Port(d.resp_p)),
            fuid,
        };
        cx.emit(AppRecord::Ftp(Box::new(rec)));
    }

    /// Passwords are logged for guest users or when capturing is on.
    fn hides_password(&self, cfg: &FtpConfig) -> bool {
        let user = String::from_utf8_lossy(&self.user).to_ascii_lowercase();
        !self.capture_password && !cfg.guest_ids.contains(&user)
    }
}

/// Cuts `value` to `max` bytes, with weird `name` (and the full length)
/// when it was longer.
fn truncate(cx: &mut Context<'_>, value: &mut Vec<u8>, max: usize, name: &'static str) {
    if value.len() > max {
        cx.weird("FTP", name, Some(value.len().to_string()));
        value.truncate(max);
    }
}

/// Zeek's `/^[1-9][0-9]{2} [[:print:]]{10}.*/`.
fn looks_like_reply(msg: &[u8]) -> bool {
    msg.len() >= 14
        && (b'1'..=b'9').contains(&msg[0])
        && msg[1].is_ascii_digit()
        && msg[2].is_ascii_digit()
        && msg[3] == b' '
        && msg[4..14].iter().all(|b| (0x20..0x7f).contains(b))
}

/// Zeek's `strstr(hay, needle) > 0` (an empty needle is always found), in
/// linear time: both sides may be long lines.
pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}
