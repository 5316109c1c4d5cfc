use super::*;

/// Records what the parser reports, entity by entity.
#[derive(Default)]
struct Log {
    events: Vec<String>,
    data: Vec<Vec<u8>>,
    open: Vec<usize>,
    limits: Vec<(&'static str, usize)>,
}

impl MimeHandler for Log {
    fn begin_entity(&mut self) {
        self.events.push("begin".into());
        self.open.push(self.data.len());
        self.data.push(Vec::new());
    }
    fn header(&mut self, name: &[u8], value: &[u8]) {
        self.events.push(format!(
            "{}={}",
            String::from_utf8_lossy(name),
            String::from_utf8_lossy(value)
        ));
    }
    fn data(&mut self, bytes: &[u8]) {
        let i = *self.open.last().expect("data inside an entity");
        self.data[i].extend_from_slice(bytes);
    }
    fn end_entity(&mut self) {
        self.open.pop();
        self.events.push("end".into());
    }
    fn limit_exceeded(&mut self, name: &'static str, limit: usize) {
        self.limits.push((name, limit));
    }
}

fn parse(text: &str) -> Log {
    let mut log = Log::default();
    let mut m = MimeMessage::new(&mut log);
    for line in text.split("\r\n") {
        m.deliver(line.as_bytes(), true, &mut log);
    }
    m.finish(&mut log);
    log
}

#[test]
fn simple_message_with_folded_header() {
    let log = parse("Subject: hello\r\n  world\r\nFrom: a@b\r\n\r\nline 1\r\nline 2");
    assert_eq!(
        log.events,
        ["begin", "Subject=hello  world", "From=a@b", "end"]
    );
    assert_eq!(log.data[0], b"line 1\r\nline 2\r\n");
}

#[test]
fn multipart_with_base64_attachment() {
    let log = parse(concat!(
        "Content-Type: multipart/mixed; boundary=\"XX\"\r\n",
        "\r\n",
        "preamble is dropped\r\n",
        "--XX\r\n",
        "Content-Type: text/plain\r\n",
        "\r\n",
        "body\r\n",
        "text\r\n",
        "--XX\r\n",
        "Content-Type: application/octet-stream; name=a.bin\r\n",
        "Content-Transfer-Encoding: base64\r\n",
        "\r\n",
        "SGVsbG8s\r\n",
        "IHdvcmxk\r\n",
        "--XX--\r\n",
        "epilogue is dropped",
    ));
    assert_eq!(log.data.len(), 3);
    assert_eq!(log.data[0], b"");
    // The line break before a boundary belongs to the delimiter.
    assert_eq!(log.data[1], b"body\r\ntext");
    assert_eq!(log.data[2], b"Hello, world");
    assert_eq!(
        log.events.iter().filter(|e| *e == "begin").count(),
        log.events.iter().filter(|e| *e == "end").count()
    );
}

#[test]
fn nested_message_is_an_entity() {
    let log = parse(concat!(
        "Content-Type: message/rfc822\r\n",
        "\r\n",
        "Subject: inner\r\n",
        "\r\n",
        "inner body",
    ));
    assert_eq!(
        log.events,
        [
            "begin",
            "Content-Type=message/rfc822",
            "begin",
            "Subject=inner",
            "end",
            "end"
        ]
    );
    assert_eq!(log.data[1], b"inner body\r\n");
}

#[test]
fn quoted_printable_part_and_missing_closing_boundary() {
    let log = parse(concat!(
        "Content-Type: multipart/alternative; boundary=b\r\n",
        "\r\n",
        "--b\r\n",
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "\r\n",
        "caf=C3=A9=\r\n",
        "!",
    ));
    assert_eq!(log.data[1], "café!\r\n".as_bytes());
    assert_eq!(log.events.last().map(String::as_str), Some("end"));
}

#[test]
fn deep_nesting_is_bounded() {
    let mut text = String::new();
    for _ in 0..200 {
        text.push_str("Content-Type: message/rfc822\r\n\r\n");
    }
    let log = parse(&text);
    assert_eq!(log.data.len(), MAX_DEPTH);
    assert_eq!(log.limits, [("exceeded_mime_max_depth", MAX_DEPTH)]);
    // Every entity begun is ended.
    assert_eq!(log.open, Vec::<usize>::new());
}

#[test]
fn folded_header_size_is_bounded() {
    let mut text = String::from("Subject: x\r\n");
    for _ in 0..40_000 {
        text.push_str(" x\r\n");
    }
    text.push_str("From: a@b\r\n\r\nbody");
    let log = parse(&text);
    assert_eq!(
        log.limits,
        [("exceeded_mime_max_header_bytes", MAX_HEADER_LEN)]
    );
    // The oversized header is dropped, the rest is parsed.
    assert!(
        log.events == ["begin", "From=a@b", "end"],
        "{} events",
        log.events.len()
    );
    assert_eq!(log.data[0], b"body\r\n");
}
