//! YAML documents as small trees whose nodes remember their line, built
//! from the events of `saphyr-parser`, so every rule error can name the
//! line it is about. Anchors and aliases are refused (Sigma rules do not
//! use them, and they are how a small file becomes a huge tree), and so is
//! nesting deeper than [`MAX_DEPTH`].

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Deepest nesting of sequences and mappings accepted.
pub const MAX_DEPTH: usize = 32;

/// One YAML node and the line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text; `quoted` when written in quotes (then never a
    /// number, a bool or null).
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Keys in document order.
    Map(Vec<(Node, Node)>),
}

/// What went wrong where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: usize,
    pub msg: String,
}

impl Error {
    pub fn new(line: usize, msg: impl Into<String>) -> Error {
        Error {
            line,
            msg: msg.into(),
        }
    }
}

impl Node {
    /// A scalar's text (quoted or not).
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain scalar that YAML reads as null (`~`, `null`, nothing).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar, or an error naming `what` was expected.
    pub fn expect_text(&self, what: &str) -> Result<&str, Error> {
        self.text()
            .ok_or_else(|| Error::new(self.line, format!("{what} must be a single value")))
    }
}

/// Containers being built.
enum Open {
    Seq(usize, Vec<Node>),
    /// The mapping, and its key waiting for a value.
    Map(usize, Vec<(Node, Node)>, Option<Node>),
}

/// Every document of a YAML stream (`---` separated).
pub fn documents(text: &str) -> Result<Vec<Node>, Error> {
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| Error::new(e.marker().line(), e.info()))?;
        let line = span.start.line();
        let done = match event {
            Event::Scalar(text, style, anchor, _) => {
                refuse_anchor(anchor, line)?;
                let quoted = !matches!(style, ScalarStyle::Plain);
                Node {
                    line,
                    value: Value::Scalar {
                        text: text.into_owned(),
                        quoted,
                    },
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                refuse_anchor(anchor, line)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(Error::new(line, "nested too deeply"));
                }
                stack.push(match event {
                    Event::SequenceStart(..) => Open::Seq(line, Vec::new()),
                    _ => Open::Map(line, Vec::new(), None),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(line, items)) => Node {
                    line,
                    value: Value::Seq(items),
                },
                Some(Open::Map(line, pairs, _)) => Node {
                    line,
                    value: Value::Map(pairs),
                },
                None => return Err(Error::new(line, "unbalanced YAML")),
            },
            Event::Alias(_) => return Err(Error::new(line, "YAML aliases are not supported")),
            _ => continue,
        };
        match stack.last_mut() {
            None => docs.push(done),
            Some(Open::Seq(_, items)) => items.push(done),
            Some(Open::Map(_, pairs, key)) => match key.take() {
                None => *key = Some(done),
                Some(k) => pairs.push((k, done)),
            },
        }
    }
    Ok(docs)
}

fn refuse_anchor(anchor: usize, line: usize) -> Result<(), Error> {
    if anchor == 0 {
        Ok(())
    } else {
        Err(Error::new(line, "YAML anchors are not supported"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_their_lines_and_documents_split() {
        let docs = documents("title: a\ndetection:\n  sel:\n    - 'x'\n---\ntitle: b\n").unwrap();
        assert_eq!(docs.len(), 2);
        let sel = docs[0].get("detection").unwrap().get("sel").unwrap();
        let Value::Seq(items) = &sel.value else {
            panic!("a list")
        };
        assert_eq!(items[0].line, 4);
        assert_eq!(
            items[0].value,
            Value::Scalar {
                text: "x".into(),
                quoted: true
            }
        );
        assert_eq!(docs[1].get("title").unwrap().line, 6);
    }

    #[test]
    fn syntax_errors_aliases_and_depth_are_errors_with_lines() {
        let e = documents("a: b\nc: [d\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        let e = documents("a: &x 1\nb: *x\n").unwrap_err();
        assert_eq!(e.line, 1);
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(documents(&deep).is_err());
        assert!(documents(&"[".repeat(MAX_DEPTH)).is_err(), "unclosed");
    }

    #[test]
    fn null_and_text() {
        let d = &documents("a: ~\nb: 'null'\nc:\n").unwrap()[0];
        assert!(d.get("a").unwrap().is_null());
        assert!(!d.get("b").unwrap().is_null());
        assert!(d.get("c").unwrap().is_null());
    }
}
