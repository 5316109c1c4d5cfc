//! The script side of Zeek's SMTP analysis (`base/protocols/smtp`: main,
//! entities, files): turns the protocol events (commands, replies, MIME
//! headers and bodies) into smtp.log rows and files.

use super::extract::{
    email_addrs, filename_from_disposition, ip_addresses, mime_email_addresses, names_file,
};
use super::record::SmtpRecord;
use super::software;
use crate::context::Context;
use crate::files::Transfer;
use crate::mime::MimeHandler;
use crate::record::AppRecord;
use records::{Port, Set, ZString};

/// `SMTP::max_invalid_mail_transactions`.
const MAX_INVALID_TRANSACTIONS: u64 = 25;
/// `SMTP::max_rcptto_addresses`, `max_to_addresses`, `max_cc_addresses`.
const MAX_ADDRESSES: usize = 1000;
/// `SMTP::max_path_length`.
const MAX_PATH_LENGTH: usize = 1000;

/// The transaction being logged (Zeek's `c$smtp`).
struct Info {
    rec: SmtpRecord,
    has_client_activity: bool,
    process_smtp_headers: bool,
    entity_count: u64,
    /// The current MIME entity (`c$smtp$entity`).
    entity: Option<Entity>,
}

/// What the headers of the current MIME entity announced.
#[derive(Default)]
struct Entity {
    filename: Option<Vec<u8>>,
}

/// Per-connection state of the scripts (Zeek's `c$smtp_state` and
/// `c$smtp`).
#[derive(Default)]
pub(super) struct Session {
    info: Option<Info>,
    helo: Option<Vec<u8>>,
    messages_transferred: u64,
    trans_mail_from_seen: bool,
    trans_rcpt_to_seen: bool,
    invalid_transactions: u64,
    bdat_last_observed: bool,
    /// The file of the current MIME entity.
    file: Option<Transfer>,
    /// Too many invalid transactions: the analyzer is to be disabled.
    pub disable: bool,
}

impl Session {
    /// `set_smtp_session`: the transaction record, started if needed.
    fn info(&mut self, cx: &Context<'_>) -> &mut Info {
        if self.info.is_none() {
            self.info = Some(self.new_info(cx));
        }
        self.info.as_mut().expect("just set")
    }

    /// `new_smtp_log`.
    fn new_info(&self, cx: &Context<'_>) -> Info {
        let c = cx.conn;
        let rec = SmtpRecord {
            ts: cx.now,
            uid: c.uid.to_string(),
            orig_h: Some(c.orig_h),
            orig_p: Port(c.orig_p),
            resp_h: Some(c.resp_h),
            resp_p: Port(c.resp_p),
            trans_depth: self.messages_transferred + 1,
            helo: self.helo.clone().map(ZString),
            // The path always ends with the hosts of this connection.
            path: Some(vec![c.resp_h, c.orig_h]),
            ..SmtpRecord::default()
        };
        Info {
            rec,
            has_client_activity: false,
            process_smtp_headers: true,
            entity_count: 0,
            entity: None,
        }
    }

    /// `smtp_message`: writes the transaction if the client did anything
    /// and starts the next.
    fn write_message(&mut self, cx: &mut Context<'_>) {
        if !self.info.as_ref().is_some_and(|i| i.has_client_activity) {
            return;
        }
        let next = self.new_info(cx);
        if let Some(done) = self.info.replace(next) {
            software::logged(cx, &done.rec);
            cx.emit(AppRecord::Smtp(Box::new(done.rec)));
        }
    }

    /// `smtp_request`; `cmd` in upper case.
    pub fn request(&mut self, cx: &mut Context<'_>, cmd: &[u8], arg: &[u8]) {
        self.info(cx);
        match cmd {
            b"HELO" | b"EHLO" => {
                self.helo = Some(arg.to_vec());
                self.info(cx).rec.helo = Some(ZString(arg.to_vec()));
            }
            b"RCPT" if starts_with_ci(arg, b"to:") => self.rcpt_to(cx, arg),
            b"MAIL" if starts_with_ci(arg, b"from:") => self.mail_from(cx, arg),
            b"DATA" | b"BDAT" => {
                if !self.trans_rcpt_to_seen {
                    self.transaction_invalid(cx, "data missing rcpt to");
                }
                if cmd == b"BDAT" && arg.ends_with(b" LAST") {
                    self.end_transaction();
                    self.bdat_last_observed = true;
                }
            }
            b"." => self.end_transaction(),
            _ => {}
        }
    }

    fn rcpt_to(&mut self, cx: &mut Context<'_>, arg: &[u8]) {
        let info = self.info(cx);
        let rcptto = info.rec.rcptto.get_or_insert_with(Set::default);
        let mut too_many = false;
        for addr in email_addrs(arg) {
            if rcptto.0.len() >= MAX_ADDRESSES {
                too_many = true;
                break;
            }
            insert(rcptto, remove_orcpt(&addr));
        }
        info.has_client_activity = true;
        if too_many {
            cx.weird("SMTP", "smtp_too_many_rcptto_addresses", None);
        }
        self.trans_rcpt_to_seen = true;
        if !self.trans_mail_from_seen {
            self.transaction_invalid(cx, "rcpt to missing mail from");
        }
    }

    fn mail_from(&mut self, cx: &mut Context<'_>, arg: &[u8]) {
        // Flush the last message in case its acknowledgement was missed.
        self.write_message(cx);
        let info = self.info(cx);
        if let Some(addr) = email_addrs(arg).into_iter().next() {
            info.rec.mailfrom = Some(ZString(addr));
        }
        info.has_client_activity = true;
        self.trans_mail_from_seen = true;
        self.trans_rcpt_to_seen = false;
    }

    fn end_transaction(&mut self) {
        self.trans_mail_from_seen = false;
        self.trans_rcpt_to_seen = false;
    }

    /// `mail_transaction_invalid`.
    fn transaction_invalid(&mut self, cx: &mut Context<'_>, addl: &str) {
        cx.weird("SMTP", "smtp_mail_transaction_invalid", Some(addl.into()));
        self.invalid_transactions += 1;
        if self.invalid_transactions > MAX_INVALID_TRANSACTIONS && !self.disable {
            cx.weird("SMTP", "smtp_excessive_invalid_mail_transactions", None);
            self.disable = true;
        }
    }

    /// `smtp_reply`: `cmd` is the command replied to (">" for the greeting,
    /// "." for the end of data); `cont`: more lines of the reply follow.
    pub fn reply(&mut self, cx: &mut Context<'_>, code: u16, cmd: &str, msg: &[u8], cont: bool) {
        let mut last_reply = format!("{code} ").into_bytes();
        last_reply.extend_from_slice(msg);
        self.info(cx).rec.last_reply = Some(ZString(last_reply));
        let bdat_done = !cont && cmd == "BDAT" && self.bdat_last_observed;
        if cmd == "." || bdat_done {
            self.messages_transferred += 1;
            self.bdat_last_observed = false;
            self.write_message(cx);
            self.info = Some(self.new_info(cx));
        }
    }

    /// `smtp_starttls`.
    pub fn starttls(&mut self) {
        if let Some(info) = &mut self.info {
            info.rec.tls = true;
            info.has_client_activity = true;
        }
    }

    /// `finalize_smtp`: the connection is gone.
    pub fn finalize(&mut self, cx: &mut Context<'_>) {
        self.write_message(cx);
    }

    /// A content gap inside the current MIME entity.
    pub fn gap(&mut self, cx: &mut Context<'_>, is_orig: bool, len: u64) {
        self.file(cx, is_orig).gap(len);
    }

    /// The file of the current entity, started on its first bytes.
    fn file(&mut self, cx: &mut Context<'_>, is_orig: bool) -> &mut Transfer {
        if self.file.is_none() {
            let mut file = Transfer::begin(cx, "SMTP", is_orig, None);
            if let Some(info) = &mut self.info {
                // Zeek's smtp_state$mime_depth: entities begun in this mail.
                file.set_depth(info.entity_count);
                if let Some(name) = info.entity.as_ref().and_then(|e| e.filename.as_ref()) {
                    file.set_filename(name);
                }
                if !info.rec.tls {
                    info.rec.fuids.push(file.fuid().to_string());
                }
            }
            self.file = Some(file);
        }
        self.file.as_mut().expect("just set")
    }

    fn end_file(&mut self, cx: &mut Context<'_>) {
        if let Some(file) = self.file.take() {
            file.end(cx);
        }
    }

    /// `mime_one_header` for the log fields (main.zeek), the file name
    /// (entities.zeek) and the Received path.
    fn header(&mut self, cx: &mut Context<'_>, name: &[u8], value: &[u8]) {
        let Some(info) = &mut self.info else { return };
        let name = name.to_ascii_uppercase();
        match name.as_slice() {
            b"CONTENT-DISPOSITION" if names_file(value, true) => {
                set_entity_filename(info, value);
            }
            b"CONTENT-TYPE" if names_file(value, false) => set_entity_filename(info, value),
            _ => {}
        }
        if info.process_smtp_headers {
            if let Err(limit) = log_header(&mut info.rec, &name, value) {
                cx.weird("SMTP", limit, None);
            }
        }
        software::header(cx, &mut info.rec, &name);
    }
}

/// Header fields logged from the message's own (top-level) headers; the
/// error names the limit weird when a field is full.
fn log_header(rec: &mut SmtpRecord, name: &[u8], value: &[u8]) -> Result<(), &'static str> {
    let text = || Some(ZString(value.to_vec()));
    match name {
        b"MESSAGE-ID" => rec.msg_id = text(),
        b"RECEIVED" => {
            if rec.first_received.is_some() {
                rec.second_received = rec.first_received.take();
            }
            rec.first_received = text();
            return extend_path(rec, value);
        }
        b"IN-REPLY-TO" => rec.in_reply_to = text(),
        b"SUBJECT" => rec.subject = text(),
        b"FROM" => rec.from = text(),
        b"REPLY-TO" => rec.reply_to = text(),
        b"DATE" => rec.date = text(),
        b"TO" => {
            let to = rec.to.get_or_insert_with(Set::default);
            return add_addresses(to, value, "smtp_too_many_to_addresses");
        }
        b"CC" => {
            let cc = rec.cc.get_or_insert_with(Set::default);
            return add_addresses(cc, value, "smtp_too_many_cc_addresses");
        }
        b"X-ORIGINATING-IP" => {
            if let Some(ip) = ip_addresses(value, false).first() {
                rec.x_originating_ip = Some(*ip);
            }
        }
        b"X-MAILER" | b"USER-AGENT" | b"X-USER-AGENT" => rec.user_agent = text(),
        _ => {}
    }
    Ok(())
}

/// The hop a Received header names (the second address found, else the
/// first) joins the path unless it repeats the last one.
fn extend_path(rec: &mut SmtpRecord, received: &[u8]) -> Result<(), &'static str> {
    let ips = ip_addresses(received, true);
    let Some(ip) = ips.get(1).or(ips.first()) else {
        return Ok(());
    };
    let path = rec.path.get_or_insert_with(Vec::new);
    if path.last() == Some(ip) {
        return Ok(());
    }
    if path.len() >= MAX_PATH_LENGTH {
        return Err("smtp_max_path_length_exceeded");
    }
    path.push(*ip);
    Ok(())
}

fn add_addresses(
    set: &mut Set<ZString>,
    value: &[u8],
    limit_weird: &'static str,
) -> Result<(), &'static str> {
    for addr in mime_email_addresses(value) {
        if set.0.len() >= MAX_ADDRESSES {
            return Err(limit_weird);
        }
        insert(set, addr);
    }
    Ok(())
}

fn set_entity_filename(info: &mut Info, value: &[u8]) {
    if let Some(entity) = &mut info.entity {
        entity.filename = Some(filename_from_disposition(value));
    }
}

fn insert(set: &mut Set<ZString>, v: Vec<u8>) {
    if !set.0.iter().any(|e| e.0 == v) {
        set.0.push(ZString(v));
    }
}

/// Removes `ORCPT=rfc822` (and a `;` after it) as Zeek's script does.
fn remove_orcpt(addr: &[u8]) -> Vec<u8> {
    const TAG: &[u8] = b"ORCPT=rfc822";
    let mut out = Vec::with_capacity(addr.len());
    let mut i = 0;
    while i < addr.len() {
        if addr[i..].starts_with(TAG) {
            i += TAG.len();
            if addr.get(i) == Some(&b';') {
                i += 1;
            }
        } else {
            out.push(addr[i]);
            i += 1;
        }
    }
    out
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// MIME events of one mail, handed to the session.
pub(super) struct MailEvents<'s, 'c> {
    pub cx: &'s mut Context<'c>,
    pub session: &'s mut Session,
    /// The direction the mail is sent in.
    pub is_orig: bool,
}

impl MimeHandler for MailEvents<'_, '_> {
    fn begin_entity(&mut self) {
        let s = &mut *self.session;
        s.end_file(self.cx);
        if let Some(info) = &mut s.info {
            info.entity = Some(Entity::default());
            info.entity_count += 1;
            if info.entity_count > 1 {
                info.process_smtp_headers = false;
            }
        }
    }

    fn header(&mut self, name: &[u8], value: &[u8]) {
        self.session.header(self.cx, name, value);
    }

    fn data(&mut self, bytes: &[u8]) {
        self.session
            .file(self.cx, self.is_orig)
            .data(self.cx, bytes);
    }

    fn end_entity(&mut self) {
        self.session.end_file(self.cx);
        if let Some(info) = &mut self.session.info {
            info.entity = None;
        }
    }

    fn limit_exceeded(&mut self, name: &'static str, limit: usize) {
        self.cx.weird("SMTP", name, Some(limit.to_string()));
    }
}
