//! Arbitrary bytes as a Zeek log (TSV headers and rows, JSON lines, gzip):
//! `shrike cut` with and without columns, time conversion and headers, and
//! the hunts' row reader, must neither panic nor loop.
#![no_main]

use analyst::cut::{parse_args, run_reader, Parsed};
use analyst::log::{Columns, LogReader};
use libfuzzer_sys::fuzz_target;

const ARGS: [&[&str]; 3] = [&["-C", "-u"], &["-m", "-n", "ts", "uid"], &["id.orig_h", "nope", "-U", "%s %Y"]];

fuzz_target!(|data: &[u8]| {
    for args in ARGS {
        let argv: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let Ok(Parsed::Run(o)) = parse_args(&argv, None) else {
            continue;
        };
        let input = Box::new(std::io::Cursor::new(data.to_vec()));
        run_reader(&o, input, &mut std::io::sink(), &mut std::io::sink());
    }
    let mut cols = Columns::new(&["ts", "id.orig_h", "query"]);
    let mut n = 0usize;
    let _ = LogReader::new().read_bytes(data, &mut |row| {
        for &i in cols.resolve(row.header) {
            n += row.at(i).shown().len();
        }
        Ok(())
    });
    std::hint::black_box(n);
});
