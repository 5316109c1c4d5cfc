//! XMPP up to STARTTLS, as Zeek's XMPP analyzer: it recognises the stream
//! for conn.log's `xmpp` service and hands an accepted STARTTLS
//! (`<starttls/>` answered by `<proceed/>`) over to TLS. Zeek writes no
//! XMPP log and stops once the session is past the point where STARTTLS
//! could come.

use crate::framing::{up_to, Fed, MessageStream};
use crate::{Analyzer, Context, Kind};

/// Longest tag (with the text before it) buffered.
const MAX_TAG: usize = 64 * 1024;

/// Elements after which STARTTLS can no longer come (Zeek's list).
const PAST_STARTTLS: &[&[u8]] = &[
    b"success",
    b"message",
    b"db:result",
    b"db:verify",
    b"presence",
];

pub struct XmppAnalyzer {
    tags: [MessageStream; 2],
    session: Session,
}

/// What the analyzer knows of the session so far.
#[derive(Default)]
struct Session {
    /// Each direction (responder, originator) had a tag already.
    seen_tag: [bool; 2],
    client_starttls: bool,
    /// TLS took over, the session went past STARTTLS, or it is not XMPP.
    done: bool,
}

impl Default for XmppAnalyzer {
    fn default() -> Self {
        XmppAnalyzer {
            tags: [MessageStream::new(MAX_TAG), MessageStream::new(MAX_TAG)],
            session: Session::default(),
        }
    }
}

/// The element name of one `text<name rest>` frame (with a leading `/`
/// for end tags); `None` when the frame is not such a tag. The text is the
/// previous element's content; a direction's first frame has none.
fn tag_name(frame: &[u8], first: bool) -> Option<&[u8]> {
    let start = frame.iter().position(|c| *c == b'<')?;
    if first
        && !frame[..start]
            .iter()
            .all(|c| matches!(c, b' ' | b'\r' | b'\n'))
    {
        return None;
    }
    let tag = &frame[start + 1..frame.len() - 1];
    if tag.contains(&b'<') {
        return None;
    }
    let slash = usize::from(tag.first() == Some(&b'/'));
    let len = tag[slash..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'?' | b':'))
        .count();
    (len > 0).then(|| &tag[..slash + len])
}

impl Session {
    /// Handles one tag; false when the stream is not XMPP.
    fn tag(&mut self, cx: &mut Context<'_>, is_orig: bool, frame: &[u8]) -> bool {
        if self.done {
            return true;
        }
        let seen = &mut self.seen_tag[usize::from(is_orig)];
        let Some(name) = tag_name(frame, !*seen) else {
            return false;
        };
        *seen = true;
        if is_orig && name == b"stream:stream" {
            cx.confirm();
        }
        if PAST_STARTTLS.contains(&name) {
            self.done = true;
            return true;
        }
        if is_orig && name == b"starttls" {
            self.client_starttls = true;
        } else if !is_orig && name == b"proceed" {
            if self.client_starttls {
                self.done = true;
                cx.hand_over(Kind::Ssl);
            } else {
                cx.weird("", "XMPP: proceed without starttls", None);
            }
        }
        true
    }
}

impl Analyzer for XmppAnalyzer {
    fn deliver(&mut self, cx: &mut Context<'_>, is_orig: bool, data: &[u8]) {
        let session = &mut self.session;
        if session.done {
            return;
        }
        let tags = &mut self.tags[usize::from(is_orig)];
        let fed = tags.feed(data, up_to(b'>'), |t| session.tag(cx, is_orig, t));
        if fed == Fed::Broken && !session.done {
            session.done = true;
            cx.violation("not an XMPP element", Some(data));
        }
    }

    fn gap(&mut self, _cx: &mut Context<'_>, _is_orig: bool, _len: u64) {
        // Zeek's analyzer gives up on a connection with missing content.
        self.session.done = true;
    }

    fn finish(&mut self, _cx: &mut Context<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::AppRecord;
    use crate::test_support::{conn, drive};

    const OPEN: &[u8] = b"<?xml version='1.0'?><stream:stream to='example.com' \
        xmlns='jabber:client' version='1.0'>";

    #[test]
    fn accepted_starttls_hands_the_stream_to_tls() {
        let traffic: [(bool, &[u8]); 4] = [
            (true, OPEN),
            (
                false,
                b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>\
                  <required/></starttls><mechanisms><mechanism>PLAIN</mechanism>\
                  </mechanisms></stream:features>",
            ),
            (true, b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
            (false, b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
        ];
        let o = drive(&mut XmppAnalyzer::default(), &conn(6, 5222), &traffic);
        assert!(o.confirmed);
        assert!(!o.violated);
        assert_eq!(o.handed_over, vec![Kind::Ssl]);
    }

    #[test]
    fn proceed_without_starttls_is_weird_and_messages_end_the_analysis() {
        let traffic: [(bool, &[u8]); 4] = [
            (true, OPEN),
            (false, b"<proceed/>"),
            (true, b"<message to='a'><body>hi</body></message>"),
            (true, b"<starttls/>"),
        ];
        let o = drive(&mut XmppAnalyzer::default(), &conn(6, 5222), &traffic);
        assert!(o.handed_over.is_empty());
        let weirds: Vec<_> = o
            .records
            .iter()
            .filter_map(|r| match r {
                AppRecord::Weird(w) => Some(w.name),
                _ => None,
            })
            .collect();
        assert_eq!(weirds, vec!["XMPP: proceed without starttls"]);
    }

    #[test]
    fn tags_split_across_segments_and_non_xml() {
        let traffic: [(bool, &[u8]); 2] = [(true, b"<stream:str"), (true, b"eam to='x'>")];
        assert!(drive(&mut XmppAnalyzer::default(), &conn(6, 5222), &traffic).confirmed);
        let o = drive(
            &mut XmppAnalyzer::default(),
            &conn(6, 5222),
            &[(true, b"GET / HTTP/1.1\r\nHost: <x>\r\n")],
        );
        assert!(o.violated);
        assert_eq!(tag_name(b"text</a b='1'>", false), Some(&b"/a"[..]));
        assert_eq!(tag_name(b"text</a b='1'>", true), None);
        assert_eq!(tag_name(b"\r\n <a>", true), Some(&b"a"[..]));
        assert_eq!(tag_name(b"<<a>", false), None);
        assert_eq!(tag_name(b"< a>", false), None);
    }
}
