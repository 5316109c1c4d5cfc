//! SMB2 sessions: the state Zeek keeps to tie responses to requests and
//! file ids to names, and what it does with files and named pipes.
//!
//! Two layers, as in Zeek: what its analyzer tracks (tree and read
//! offsets of pending requests, which trees are pipes), bounded by
//! `SMB::max_pending_messages`, and what its scripts track (`SMB::State`:
//! pending commands, trees, files by id), which is cleared when the
//! analyzer's limit is hit.

use super::files::{Announced, Handle};
use super::parser::{self, ShareType, Smb2Header};
use super::{Session, SmbConfig, SmbMappingRecord};
use crate::record::AppRecord;
use crate::Context;
use records::{Port, Time, ZString};
use std::collections::HashMap;

/// Entries of any of the maps below when `SMB::max_pending_messages` is
/// 0 (no limit in Zeek): past this the map starts over.
const HARD_LIMIT: usize = 1 << 16;

/// What a file id stands for (Zeek's `SMB::FileInfo`).
#[derive(Debug, Clone, Default)]
struct FileInfo {
    name: Option<String>,
    path: Option<String>,
    size: u64,
    /// Last write time (a FILETIME), when it is after 1970.
    modified: Option<u64>,
}

impl FileInfo {
    /// Zeek's file handle; none without a name or a path.
    fn handle(&self) -> Option<Handle> {
        if self.name.is_none() && self.path.is_none() {
            return None;
        }
        Some(Handle {
            path: self.path.clone().unwrap_or_default(),
            name: self.name.clone().unwrap_or_default(),
            modified: self.modified.unwrap_or(0),
        })
    }
}

/// A tree (Zeek's `SMB::TreeInfo`).
#[derive(Debug, Clone, Default)]
struct Tree {
    /// When the script first heard of it.
    ts: Time,
    path: Option<String>,
    share_type: ShareType,
}

impl Tree {
    fn at(ts: Time) -> Tree {
        Tree {
            ts,
            ..Tree::default()
        }
    }
}

/// The file or tree a command refers to: its own (not yet known by id) or
/// one in the maps.
#[derive(Debug, Clone)]
enum Ref<T, Id> {
    Own(T),
    Id(Id),
}

impl<T: Default, Id> Default for Ref<T, Id> {
    fn default() -> Self {
        Ref::Own(T::default())
    }
}

/// A command in progress (Zeek's `SMB::CmdInfo`, what matters of it).
#[derive(Debug, Clone, Default)]
struct Cmd {
    file: Ref<FileInfo, u64>,
    tree: Ref<Tree, u32>,
}

/// Where the data of a WRITE request or READ response goes.
#[derive(Debug, Clone)]
pub enum Sink {
    File {
        handle: Handle,
        name: Option<String>,
        size: u64,
        is_orig: bool,
        offset: u64,
    },
    Pipe {
        fid: u64,
        is_orig: bool,
    },
    Drop,
}

impl Sink {
    /// The next `data` bytes of the message's data.
    pub fn feed(&mut self, cx: &mut Context<'_>, session: &mut Session, data: &[u8]) {
        match self {
            Sink::File {
                handle,
                name,
                size,
                is_orig,
                offset,
            } => {
                let announced = Announced {
                    name: name.as_deref(),
                    size: *size,
                };
                session
                    .files
                    .data(cx, handle, announced, *is_orig, *offset, data);
                *offset = offset.saturating_add(data.len() as u64);
            }
            Sink::Pipe { fid, is_orig } => session.pipes.deliver(cx, *fid, *is_orig, data),
            Sink::Drop => {}
        }
    }
}

#[derive(Default)]
pub struct Smb2 {
    // What Zeek's analyzer keeps.
    /// Tree ids of pending requests, by message id.
    request_trees: HashMap<u64, u32>,
    /// File id and offset of pending reads, by message id.
    reads: HashMap<u64, (u64, u64)>,
    /// File id of pending IOCTLs, by message id.
    ioctls: HashMap<u64, u64>,
    /// Trees known to be named pipes.
    pipe_trees: HashMap<u32, bool>,
    // What Zeek's scripts keep.
    pending: HashMap<u64, Cmd>,
    trees: HashMap<u32, Tree>,
    fids: HashMap<u64, FileInfo>,
}

impl Smb2 {
    /// One message (whole, or its part before a READ's or WRITE's data);
    /// returns where that data goes.
    pub fn message(
        &mut self,
        cx: &mut Context<'_>,
        session: &mut Session,
        is_orig: bool,
        h: &Smb2Header,
        msg: &[u8],
    ) -> Sink {
        let request_tree = self.request_trees.get(&h.message_id).copied().unwrap_or(0);
        let pipe_tree = if is_orig { h.tree_id } else { request_tree };
        let is_pipe = self.pipe_trees.get(&pipe_tree).copied().unwrap_or(false);
        let config = cx.config;
        self.track_request(cx, &config.smb, is_orig, h);
        let mut cmd = self.script_message(h, cx.now);
        let sink = if h.is_error(is_orig) {
            Sink::Drop
        } else if is_orig {
            self.request(cx, session, h, msg, is_pipe, &mut cmd)
        } else {
            self.response(cx, session, h, msg, is_pipe, &mut cmd)
        };
        if is_orig || h.status == parser::STATUS_PENDING {
            *bounded_entry(&mut self.pending, h.message_id, Cmd::default) = cmd;
        }
        sink
    }

    /// Zeek's analyzer remembers each request's tree until its response,
    /// within `SMB::max_pending_messages`.
    fn track_request(
        &mut self,
        cx: &mut Context<'_>,
        config: &SmbConfig,
        is_orig: bool,
        h: &Smb2Header,
    ) {
        if !is_orig {
            if h.status != parser::STATUS_PENDING {
                self.request_trees.remove(&h.message_id);
            }
            return;
        }
        if at_limit(self.request_trees.len(), config) {
            self.discard(cx, config, "tree");
            self.request_trees.clear();
        }
        self.request_trees.insert(h.message_id, h.tree_id);
    }

    /// Zeek's `smb2_discarded_messages_state`: a weird with the sizes of
    /// the script's tables, which then start over
    /// (`SMB::enable_clear_script_state`).
    /// Without a limit (0) the maps only start over at [`HARD_LIMIT`],
    /// silently.
    fn discard(&mut self, cx: &mut Context<'_>, config: &SmbConfig, state: &str) {
        if config.max_pending_messages == 0 {
            self.fids.clear();
            self.trees.clear();
            self.pending.clear();
            return;
        }
        let addl = format!(
            "state={state} fid_map={} tid_map={} pending_cmds={} pipe_map=0",
            self.fids.len(),
            self.trees.len(),
            self.pending.len()
        );
        cx.weird("SMB2", "SMB_discarded_messages_state", Some(addl));
        if config.enable_clear_script_state {
            self.fids.clear();
            self.trees.clear();
            self.pending.clear();
        }
    }

    /// The script's view of a new message (`smb2_message`): its command,
    /// and the tree the message's tree id names.
    fn script_message(&mut self, h: &Smb2Header, now: Time) -> Cmd {
        let mut cmd = self.pending.remove(&h.message_id).unwrap_or_default();
        let tid = h.tree_id;
        if tid == 0 {
            cmd.tree = Ref::Own(Tree::at(now));
            return cmd;
        }
        let tree = match std::mem::take(&mut cmd.tree) {
            Ref::Own(t) => Some(t),
            Ref::Id(old) if old != tid => self.trees.get(&old).cloned(),
            Ref::Id(_) => None,
        };
        let entry = bounded_entry(&mut self.trees, tid, || Tree::at(now));
        if let Some(t) = tree {
            *entry = t;
        }
        cmd.tree = Ref::Id(tid);
        cmd
    }

    fn tree<'a>(&'a mut self, cmd: &'a mut Cmd, now: Time) -> &'a mut Tree {
        match &mut cmd.tree {
            Ref::Own(t) => t,
            Ref::Id(id) => bounded_entry(&mut self.trees, *id, || Tree::at(now)),
        }
    }

    fn file<'a>(&'a mut self, cmd: &'a mut Cmd) -> &'a mut FileInfo {
        match &mut cmd.file {
            Ref::Own(f) => f,
            Ref::Id(id) => self.fids.entry(*id).or_default(),
        }
    }

    /// Zeek's `SMB::set_current_file`: the command now refers to file
    /// `fid`, which takes the command's file if the id is new.
    fn set_current_file(&mut self, cmd: &mut Cmd, fid: u64) {
        if !self.fids.contains_key(&fid) {
            let info = match std::mem::replace(&mut cmd.file, Ref::Id(fid)) {
                Ref::Own(f) => f,
                Ref::Id(other) => self.fids.get(&other).cloned().unwrap_or_default(),
            };
            if self.fids.len() >= HARD_LIMIT {
                self.fids.clear();
            }
            self.fids.insert(fid, info);
        }
        cmd.file = Ref::Id(fid);
    }

    /// Where a message's file data goes: Zeek's file analysis for files
    /// with a name or path, nowhere else.
    fn file_sink(&mut self, cmd: &mut Cmd, is_orig: bool, offset: u64) -> Sink {
        let file = self.file(cmd);
        match file.handle() {
            Some(handle) => Sink::File {
                handle,
                name: file.name.clone(),
                size: file.size,
                is_orig,
                offset,
            },
            None => Sink::Drop,
        }
    }

    fn request(
        &mut self,
        cx: &mut Context<'_>,
        session: &mut Session,
        h: &Smb2Header,
        msg: &[u8],
        is_pipe: bool,
        cmd: &mut Cmd,
    ) -> Sink {
        let options = cx.config;
        let config = &options.smb;
        match h.command {
            parser::SMB2_TREE_CONNECT => {
                if let Some(path) = parser::tree_connect_request(h, msg) {
                    self.tree(cmd, cx.now).path = Some(path);
                }
            }
            parser::SMB2_TREE_DISCONNECT => {
                self.trees.remove(&h.tree_id);
            }
            parser::SMB2_CREATE => {
                let Some(name) = parser::create_request(h, msg) else {
                    return Sink::Drop;
                };
                if !is_pipe && config.pipe_filenames.contains(&name) {
                    *bounded_entry(&mut self.pipe_trees, h.tree_id, bool::default) = true;
                    let tree = self.tree(cmd, cx.now);
                    tree.path = Some("<unknown>".into());
                    tree.share_type = ShareType::Pipe;
                }
                let name = if name.is_empty() {
                    "<share_root>".to_string()
                } else {
                    name
                };
                self.file(cmd).name = Some(name);
            }
            parser::SMB2_READ => {
                let Some((fid, offset)) = parser::read_request(msg) else {
                    return Sink::Drop;
                };
                if at_limit(self.reads.len(), config) {
                    self.discard(cx, config, "read");
                    self.reads.clear();
                }
                self.reads.insert(h.message_id, (fid, offset));
                self.set_current_file(cmd, fid);
            }
            parser::SMB2_WRITE => {
                let Some(w) = parser::write_request(h, msg) else {
                    return Sink::Drop;
                };
                self.set_current_file(cmd, w.file_id);
                if is_pipe {
                    return Sink::Pipe {
                        fid: w.file_id,
                        is_orig: true,
                    };
                }
                return self.file_sink(cmd, true, w.offset);
            }
            parser::SMB2_CLOSE => {
                let Some(fid) = parser::close_request(msg) else {
                    return Sink::Drop;
                };
                self.set_current_file(cmd, fid);
                if let Some(handle) = self.file(cmd).handle() {
                    session.files.close(cx, &handle);
                }
                // The script forgets the id; the command keeps the file.
                if let Some(info) = self.fids.remove(&fid) {
                    cmd.file = Ref::Own(info);
                }
                session.pipes.close(fid);
            }
            parser::SMB2_IOCTL => {
                if let Some((fid, input)) = parser::ioctl_pipe_data(h, msg, true) {
                    if at_limit(self.ioctls.len(), config) {
                        self.discard(cx, config, "ioctl");
                        self.ioctls.clear();
                    }
                    self.ioctls.insert(h.message_id, fid);
                    session.pipes.deliver(cx, fid, true, input);
                }
            }
            _ => {}
        }
        Sink::Drop
    }

    fn response(
        &mut self,
        cx: &mut Context<'_>,
        session: &mut Session,
        h: &Smb2Header,
        msg: &[u8],
        is_pipe: bool,
        cmd: &mut Cmd,
    ) -> Sink {
        let pending = h.status == parser::STATUS_PENDING;
        match h.command {
            parser::SMB2_TREE_CONNECT => {
                if let Some(share_type) = parser::tree_connect_response(msg) {
                    *bounded_entry(&mut self.pipe_trees, h.tree_id, bool::default) =
                        share_type == ShareType::Pipe;
                    let tree = self.tree(cmd, cx.now);
                    tree.share_type = share_type;
                    let row = mapping_row(cx, tree);
                    cx.emit(AppRecord::SmbMapping(Box::new(row)));
                }
            }
            parser::SMB2_CREATE => {
                let Some(r) = parser::create_response(msg) else {
                    return Sink::Drop;
                };
                self.set_current_file(cmd, r.file_id);
                let tree_path = self.tree(cmd, cx.now).path.clone();
                let file = self.file(cmd);
                file.size = r.eof;
                if tree_path.is_some() {
                    file.path = tree_path;
                }
                if filetime_after_1970(r.last_write) {
                    file.modified = Some(r.last_write);
                }
            }
            parser::SMB2_READ => {
                let read = if pending {
                    self.reads.get(&h.message_id).copied()
                } else {
                    self.reads.remove(&h.message_id)
                };
                let (fid, offset) = read.unwrap_or((0, 0));
                if is_pipe {
                    return Sink::Pipe {
                        fid,
                        is_orig: false,
                    };
                }
                return self.file_sink(cmd, false, offset);
            }
            parser::SMB2_IOCTL => {
                let fid = self.ioctls.remove(&h.message_id).unwrap_or(0);
                if let Some((_, output)) = parser::ioctl_pipe_data(h, msg, false) {
                    session.pipes.deliver(cx, fid, false, output);
                }
            }
            _ => {}
        }
        Sink::Drop
    }
}

/// Whether a map Zeek's analyzer bounds by `SMB::max_pending_messages` is
/// full.
fn at_limit(len: usize, config: &SmbConfig) -> bool {
    let max = match config.max_pending_messages {
        0 => HARD_LIMIT,
        n => n,
    };
    len >= max
}

/// The entry under `key`, made by `make` if new; a map that grew to
/// [`HARD_LIMIT`] starts over first.
fn bounded_entry<K: std::hash::Hash + Eq, V>(
    map: &mut HashMap<K, V>,
    key: K,
    make: impl FnOnce() -> V,
) -> &mut V {
    if !map.contains_key(&key) && map.len() >= HARD_LIMIT {
        map.clear();
    }
    map.entry(key).or_insert_with(make)
}

/// smb_mapping.log's row for a tree just connected.
fn mapping_row(cx: &Context<'_>, tree: &Tree) -> SmbMappingRecord {
    let c = cx.conn;
    SmbMappingRecord {
        ts: tree.ts,
        uid: c.uid.to_string(),
        orig_h: Some(c.orig_h),
        orig_p: Port(c.orig_p),
        resp_h: Some(c.resp_h),
        resp_p: Port(c.resp_p),
        path: tree.path.as_deref().map(|p| ZString(p.as_bytes().to_vec())),
        service: None,
        native_file_system: None,
        share_type: tree.share_type.name(),
    }
}

/// Whether a Windows FILETIME is after the Unix epoch (Zeek keeps only
/// such modification times).
fn filetime_after_1970(ft: u64) -> bool {
    const EPOCH_AS_FILETIME: u64 = 116_444_736_000_000_000;
    ft > EPOCH_AS_FILETIME
}
