//! SMB sessions synthesized message by message: NetBIOS framing, SMB2
//! headers, and the commands that open, read, write and close files.

use super::*;
use crate::test_support::{conn, drive, drive_with, files};
use crate::{AnalyzerConfig, AppRecord, AppWeird};

const TREE: u32 = 7;
const FID: (u64, u64) = (0x11, 0x2200);

/// An NBSS session message around `msg`.
fn nbss(msg: &[u8]) -> Vec<u8> {
    let len = msg.len() as u32;
    let mut out = vec![0, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    out.extend_from_slice(msg);
    out
}

/// An SMB2 message: header with `command`, `status`, message id and tree
/// id, then `body`.
fn smb2(command: u16, status: u32, mid: u64, tree: u32, body: &[u8]) -> Vec<u8> {
    let mut m = vec![0u8; parser::SMB2_HEADER];
    m[..4].copy_from_slice(b"\xfeSMB");
    m[4..6].copy_from_slice(&64u16.to_le_bytes());
    m[8..12].copy_from_slice(&status.to_le_bytes());
    m[12..14].copy_from_slice(&command.to_le_bytes());
    m[24..32].copy_from_slice(&mid.to_le_bytes());
    m[36..40].copy_from_slice(&tree.to_le_bytes());
    m.extend_from_slice(body);
    nbss(&m)
}

fn put(body: &mut [u8], at: usize, v: &[u8]) {
    body[at..at + v.len()].copy_from_slice(v);
}

fn put_fid(body: &mut [u8], at: usize) {
    put(body, at, &FID.0.to_le_bytes());
    put(body, at + 8, &FID.1.to_le_bytes());
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn tree_connect_response(mid: u64, share_type: u8) -> Vec<u8> {
    let mut body = vec![0u8; 16];
    body[2] = share_type;
    smb2(parser::SMB2_TREE_CONNECT, 0, mid, TREE, &body)
}

fn create_request(mid: u64, name: &str) -> Vec<u8> {
    let name = utf16(name);
    let mut body = vec![0u8; 56];
    put(&mut body, 44, &120u16.to_le_bytes());
    put(&mut body, 46, &(name.len() as u16).to_le_bytes());
    body.extend_from_slice(&name);
    smb2(parser::SMB2_CREATE, 0, mid, TREE, &body)
}

fn create_response(mid: u64, eof: u64) -> Vec<u8> {
    let mut body = vec![0u8; 88];
    // Last written in 2020.
    put(&mut body, 24, &132_223_104_000_000_000u64.to_le_bytes());
    put(&mut body, 48, &eof.to_le_bytes());
    put_fid(&mut body, 64);
    smb2(parser::SMB2_CREATE, 0, mid, TREE, &body)
}

fn write_request(mid: u64, offset: u64, data: &[u8]) -> Vec<u8> {
    let mut body = vec![0u8; 48];
    put(&mut body, 2, &112u16.to_le_bytes());
    put(&mut body, 4, &(data.len() as u32).to_le_bytes());
    put(&mut body, 8, &offset.to_le_bytes());
    put_fid(&mut body, 16);
    body.extend_from_slice(data);
    smb2(parser::SMB2_WRITE, 0, mid, TREE, &body)
}

fn read_request(mid: u64, offset: u64) -> Vec<u8> {
    let mut body = vec![0u8; 48];
    put(&mut body, 8, &offset.to_le_bytes());
    put_fid(&mut body, 16);
    smb2(parser::SMB2_READ, 0, mid, TREE, &body)
}

fn read_response(mid: u64, data: &[u8]) -> Vec<u8> {
    let mut body = vec![0u8; 16];
    body[2] = 80;
    put(&mut body, 4, &(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    smb2(parser::SMB2_READ, 0, mid, TREE, &body)
}

fn close_request(mid: u64) -> Vec<u8> {
    let mut body = vec![0u8; 24];
    put_fid(&mut body, 8);
    smb2(parser::SMB2_CLOSE, 0, mid, TREE, &body)
}

/// A DCE/RPC request PDU that starts a fragmented call.
fn first_fragment(call_id: u32) -> Vec<u8> {
    let mut p = vec![5, 0, 0, 0x01, 0x10, 0, 0, 0, 16, 0, 0, 0];
    p.extend_from_slice(&call_id.to_le_bytes());
    p
}

fn weirds(records: &[AppRecord]) -> Vec<&AppWeird> {
    records
        .iter()
        .filter_map(|r| match r {
            AppRecord::Weird(w) => Some(w),
            _ => None,
        })
        .collect()
}

/// Plays `messages` (from the client if true) and ends the connection.
fn run(config: &AnalyzerConfig, messages: &[(bool, Vec<u8>)]) -> crate::test_support::Outcome {
    let traffic: Vec<(bool, &[u8])> = messages.iter().map(|(o, m)| (*o, &m[..])).collect();
    drive_with(config, &mut SmbAnalyzer::default(), &conn(6, 445), &traffic)
}

#[test]
fn a_written_file_is_logged_when_closed() {
    let out = run(
        &AnalyzerConfig::default(),
        &[
            (true, create_request(1, "docs\\report.txt")),
            (false, create_response(1, 0)),
            (true, write_request(2, 0, b"hello ")),
            (true, write_request(3, 6, b"world\n")),
            (true, close_request(4)),
            // Opened again, it is a new file.
            (true, create_request(6, "docs\\report.txt")),
            (false, create_response(6, 0)),
            (true, write_request(7, 0, b"again\n")),
        ],
    );
    let f = files(&out.records);
    assert_eq!(f.len(), 2);
    let first = f[0];
    assert_eq!(first.source.as_deref(), Some("SMB"));
    assert_eq!(first.filename.as_ref().unwrap().0, b"docs\\report.txt");
    assert_eq!(first.is_orig, Some(true));
    assert_eq!((first.seen_bytes, first.missing_bytes), (12, 0));
    // A new file's size is 0: unknown.
    assert_eq!(first.total_bytes, None);
    assert_eq!(first.mime_type.as_deref(), Some("text/plain"));
    assert_eq!(f[1].seen_bytes, 6);
    assert!(out.confirmed);
}

#[test]
fn a_read_file_ends_when_its_size_is_reached() {
    let out = drive(
        &mut SmbAnalyzer::default(),
        &conn(6, 445),
        &[
            (true, &create_request(1, "a.txt")),
            (false, &create_response(1, 10)),
            (true, &read_request(2, 4)),
            (true, &read_request(3, 0)),
            // Answered out of order: the file is put together in order.
            (false, &read_response(2, b"56789\n")),
            (false, &read_response(3, b"0123")),
        ],
    );
    let f = files(&out.records);
    assert_eq!(f.len(), 1, "logged without a close or the connection's end");
    assert_eq!(f[0].is_orig, Some(false));
    assert_eq!(f[0].total_bytes, Some(10));
    assert_eq!((f[0].seen_bytes, f[0].missing_bytes), (10, 0));
}

#[test]
fn holes_are_missing_bytes_and_repeats_count_once() {
    let out = run(
        &AnalyzerConfig::default(),
        &[
            (true, create_request(1, "b.bin")),
            (false, create_response(1, 0)),
            (true, write_request(2, 0, b"abcd")),
            (true, write_request(3, 0, b"abcd")),
            (true, write_request(4, 10, b"klmn")),
        ],
    );
    let f = files(&out.records);
    assert_eq!(f.len(), 1, "ends with the connection");
    assert_eq!((f[0].seen_bytes, f[0].missing_bytes), (8, 6));
}

#[test]
fn files_without_a_name_are_not_analyzed() {
    // The CREATE was not seen: Zeek has no handle for the file.
    let out = run(
        &AnalyzerConfig::default(),
        &[(true, write_request(2, 0, b"data"))],
    );
    assert!(files(&out.records).is_empty());
}

#[test]
fn long_writes_are_passed_on_in_pieces() {
    let data: Vec<u8> = (0..MAX_MESSAGE + 5000).map(|i| i as u8).collect();
    let msg = write_request(2, 0, &data);
    let mut messages = vec![
        (true, create_request(1, "big.bin")),
        (false, create_response(1, 0)),
    ];
    messages.extend(msg.chunks(1460).map(|c| (true, c.to_vec())));
    messages.push((true, close_request(3)));
    let out = run(&AnalyzerConfig::default(), &messages);
    let f = files(&out.records);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].seen_bytes, data.len() as u64);
}

#[test]
fn too_many_pending_requests_discard_the_state() {
    let mut config = AnalyzerConfig::default();
    config.smb.max_pending_messages = 2;
    let out = run(
        &config,
        &[
            (true, create_request(1, "x")),
            (true, create_request(2, "y")),
            (true, create_request(3, "z")),
        ],
    );
    let w = weirds(&out.records);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].name, "SMB_discarded_messages_state");
    assert_eq!(w[0].source, "SMB2");
    assert_eq!(
        w[0].addl.as_deref(),
        Some("state=tree fid_map=0 tid_map=1 pending_cmds=2 pipe_map=0")
    );
}

#[test]
fn connected_trees_are_mapped() {
    let mut request = vec![0u8; 8];
    request[4..6].copy_from_slice(&72u16.to_le_bytes());
    let path = utf16("\\\\srv\\IPC$");
    request[6..8].copy_from_slice(&(path.len() as u16).to_le_bytes());
    request.extend_from_slice(&path);
    let out = run(
        &AnalyzerConfig::default(),
        &[
            (true, smb2(parser::SMB2_TREE_CONNECT, 0, 1, 0, &request)),
            (false, tree_connect_response(1, 2)),
        ],
    );
    let rows: Vec<_> = out
        .records
        .iter()
        .filter_map(|r| match r {
            AppRecord::SmbMapping(m) => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].path.as_ref().unwrap().0, b"\\\\srv\\IPC$");
    assert_eq!(rows[0].share_type, "PIPE");
    // Dated when the client asked.
    assert_eq!(rows[0].ts, records::Time(0));
}

#[test]
fn named_pipes_carry_dce_rpc_not_files() {
    let mut config = AnalyzerConfig::default();
    config.dce_rpc.max_cmd_reassembly = 2;
    let pdus: Vec<u8> = (0..3).flat_map(first_fragment).collect();
    let out = run(
        &config,
        &[
            (false, tree_connect_response(0, 2)),
            (true, create_request(1, "srvsvc")),
            (false, create_response(1, 0)),
            (true, write_request(2, 0, &pdus)),
            (true, close_request(3)),
        ],
    );
    assert!(files(&out.records).is_empty());
    let w = weirds(&out.records);
    assert_eq!(w.len(), 1);
    assert_eq!(
        (w[0].source, w[0].name),
        ("DCE_RPC", "too_many_dce_rpc_msgs_in_reassembly")
    );
}

#[test]
fn long_smb1_andx_chains_are_cut_short() {
    // A LOGOFF_ANDX chain: each link's parameters follow the previous.
    let links = 12;
    let mut msg = vec![0u8; parser::SMB1_HEADER];
    msg[..4].copy_from_slice(b"\xffSMB");
    msg[4] = 0x74;
    for i in 0..links {
        let next_at = (parser::SMB1_HEADER + 7 * (i + 1)) as u16;
        let next = if i + 1 == links { 0xff } else { 0x74 };
        msg.extend_from_slice(&[2, next, 0]);
        msg.extend_from_slice(&next_at.to_le_bytes());
        msg.extend_from_slice(&[0, 0]);
    }
    let out = run(&AnalyzerConfig::default(), &[(true, nbss(&msg))]);
    let w = weirds(&out.records);
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].source, w[0].name), ("SMB", "smb_andx_depth_exceeded"));
    let mut config = AnalyzerConfig::default();
    config.smb.max_andx_depth = 20;
    let out = run(&config, &[(true, nbss(&msg))]);
    assert!(weirds(&out.records).is_empty());
}

#[test]
fn after_a_gap_only_a_message_start_resynchronizes() {
    let mut a = SmbAnalyzer::default();
    let c = conn(6, 445);
    let config = AnalyzerConfig::default();
    let mut fuids = crate::FuidGen::new(Some(1));
    let mut records: Vec<AppRecord> = Vec::new();
    let mut cx = Context::new(&c, records::Time(0), &config, &mut fuids, &mut records);
    a.deliver(&mut cx, true, &create_request(1, "c.txt"));
    a.deliver(&mut cx, false, &create_response(1, 0));
    let write = write_request(2, 0, b"lost");
    a.deliver(&mut cx, true, &write[..20]);
    a.gap(&mut cx, true, 10);
    // The rest of the interrupted message is not taken for a new one.
    a.deliver(&mut cx, true, &write[30..]);
    a.deliver(&mut cx, true, &write_request(3, 4, b"kept"));
    a.finish(&mut cx);
    let f = files(&records);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].seen_bytes, f[0].missing_bytes), (4, 4));
}

#[test]
fn signature_wants_an_smb_message_start() {
    assert_eq!(signature(b"\0\0\0\x10\xfeSMB", b""), Some(true));
    assert_eq!(signature(b"\0\0\0\x10\xffSMB", b""), Some(true));
    assert_eq!(signature(b"", b"\0\0\0\x10\xfeSMB"), Some(true));
    assert_eq!(signature(b"GET / HTTP/1.1", b""), None);
    assert_eq!(signature(b"GET / HTTP/1.1", b"HTTP/1.1 200"), Some(false));
    assert_eq!(signature(b"\0\0", b""), None);
}
