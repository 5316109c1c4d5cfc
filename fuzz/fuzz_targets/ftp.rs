//! The FTP control analyzer over arbitrary client and server bytes in
//! arbitrary chunks, with gaps and stream ends; the data connections it
//! announces get the rest of the input.
#![no_main]
use analyzers::ftp::FtpAnalyzer;
use analyzers::{Analyzer, AnalyzerConfig, AppRecord, ConnInfo, Context, FuidGen};
use libfuzzer_sys::fuzz_target;
use records::Time;

/// Each step: a control byte (bit 0: from the client; bits 1-2: data,
/// gap, end of stream; bits 3-7: chunk length) and that many bytes.
fn drive(
    analyzer: &mut dyn Analyzer,
    conn: &ConnInfo<'_>,
    config: &AnalyzerConfig,
    mut input: &[u8],
) -> Vec<Box<dyn Analyzer>> {
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut announced = Vec::new();
    let mut t = 0;
    while let Some((&ctrl, rest)) = input.split_first() {
        let len = usize::from(ctrl >> 3).min(rest.len());
        let (chunk, rest) = rest.split_at(len);
        input = rest;
        t += 1;
        let mut cx = Context::new(conn, Time(t), config, &mut fuids, &mut sink);
        let is_orig = ctrl & 1 == 1;
        match (ctrl >> 1) & 3 {
            1 => analyzer.gap(&mut cx, is_orig, len as u64),
            2 => analyzer.end_of_stream(&mut cx, is_orig),
            _ => analyzer.deliver(&mut cx, is_orig, chunk),
        }
        announced.extend(cx.take_expectations().into_iter().map(|e| (e.make)()));
        sink.clear();
    }
    let mut cx = Context::new(conn, Time(t + 1), config, &mut fuids, &mut sink);
    analyzer.finish(&mut cx);
    announced
}

fuzz_target!(|data: &[u8]| {
    let Some((&limits, input)) = data.split_first() else {
        return;
    };
    let mut config = AnalyzerConfig::default();
    if limits & 1 == 1 {
        // Small limits reach the truncation and queue-full paths.
        config.ftp.max_pending_commands = 2;
        config.ftp.max_arg_length = 5;
        config.ftp.max_reply_msg_length = 5;
        config.ftp.max_user_length = 1;
        config.ftp.logged_commands.insert("<init>".into());
    }
    let conn = ConnInfo {
        uid: "CFuzz",
        orig_h: "10.0.0.1".parse().unwrap(),
        orig_p: 40000,
        resp_h: "10.0.0.2".parse().unwrap(),
        resp_p: 21,
        proto: 6,
        local_orig: None,
        local_resp: None,
        start: records::Time(0),
    };
    let mut control = FtpAnalyzer::new();
    let data_input = &input[input.len() / 2..];
    for mut data_analyzer in drive(&mut control, &conn, &config, input)
        .into_iter()
        .take(4)
    {
        drive(&mut *data_analyzer, &conn, &config, data_input);
    }
});
