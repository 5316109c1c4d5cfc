//! Sigma's `condition:` expressions: selection names joined with `and`,
//! `or`, `not` and parentheses, and `1 of NAME*` / `all of NAME*` /
//! `1 of them` / `all of them`. Compiled once to a tree over selection
//! indexes; evaluating it allocates nothing.

use super::matcher::name_matches;

/// A compiled condition; `Sel(i)` is the rule's i-th selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Sel(usize),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// `1 of ...`: any of the selections.
    AnyOf(Vec<usize>),
    /// `all of ...`.
    AllOf(Vec<usize>),
}

/// Deepest nesting of parentheses and `not`s accepted.
const MAX_DEPTH: usize = 64;

impl Expr {
    /// Whether the condition holds, `sel(i)` telling whether selection `i`
    /// matched (asked lazily, left to right).
    pub fn eval(&self, sel: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Expr::Sel(i) => sel(*i),
            Expr::Not(e) => !e.eval(sel),
            Expr::And(es) => es.iter().all(|e| e.eval(sel)),
            Expr::Or(es) => es.iter().any(|e| e.eval(sel)),
            Expr::AnyOf(is) => is.iter().any(|&i| sel(i)),
            Expr::AllOf(is) => is.iter().all(|&i| sel(i)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    Pipe,
    Word(&'a str),
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            return out;
        };
        let (tok, len) = match c {
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            '|' => (Token::Pipe, 1),
            _ => {
                let len = rest
                    .find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '|'))
                    .unwrap_or(rest.len());
                (Token::Word(&rest[..len]), len)
            }
        };
        out.push(tok);
        rest = &rest[len..];
    }
}

struct Parser<'a, 'n> {
    toks: Vec<Token<'a>>,
    pos: usize,
    names: &'n [&'n str],
    depth: usize,
}

/// Parses `text` against the rule's selection names.
pub fn parse(text: &str, names: &[&str]) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokens(text),
        pos: 0,
        names,
        depth: 0,
    };
    let e = p.or()?;
    match p.toks.get(p.pos) {
        None => Ok(e),
        Some(Token::Pipe) => {
            Err("aggregations after `|` are not supported: write a correlation rule instead".into())
        }
        Some(t) => Err(format!("unexpected {} in the condition", show(*t))),
    }
}

fn show(t: Token) -> String {
    match t {
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Pipe => "`|`".into(),
        Token::Word(w) => format!("`{w}`"),
    }
}

fn keyword(t: Option<Token>, kw: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.eq_ignore_ascii_case(kw))
}

impl<'a> Parser<'a, '_> {
    fn peek(&self) -> Option<Token<'a>> {
        self.toks.get(self.pos).copied()
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.and()?];
        while keyword(self.peek(), "or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(one_or(parts, Expr::Or))
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.not()?];
        while keyword(self.peek(), "and") {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(one_or(parts, Expr::And))
    }

    fn not(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("the condition is nested too deeply".into());
        }
        let e = if keyword(self.peek(), "not") {
            self.pos += 1;
            Expr::Not(Box::new(self.not()?))
        } else {
            self.primary()?
        };
        self.depth -= 1;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let Some(tok) = self.peek() else {
            return Err("the condition ends too early".into());
        };
        self.pos += 1;
        match tok {
            Token::Open => {
                let e = self.or()?;
                if self.peek() != Some(Token::Close) {
                    return Err("a `(` is not closed".into());
                }
                self.pos += 1;
                Ok(e)
            }
            Token::Word(w) if keyword(self.peek(), "of") => {
                self.pos += 1;
                self.quantified(w)
            }
            Token::Word(w) if is_keyword(w) => Err(format!("unexpected `{w}` in the condition")),
            Token::Word(w) => match self.names.iter().position(|n| *n == w) {
                Some(i) => Ok(Expr::Sel(i)),
                None => Err(format!("the condition names `{w}`, which is no selection")),
            },
            t => Err(format!("unexpected {} in the condition", show(t))),
        }
    }

    /// `1 of X` / `all of X` after `of`.
    fn quantified(&mut self, quantifier: &str) -> Result<Expr, String> {
        let all = if quantifier.eq_ignore_ascii_case("all") {
            true
        } else if quantifier == "1" || quantifier.eq_ignore_ascii_case("any") {
            false
        } else {
            return Err(format!(
                "`{quantifier} of` is not Sigma: use `1 of` or `all of`"
            ));
        };
        let Some(Token::Word(target)) = self.peek() else {
            return Err("`of` needs a selection pattern or `them`".into());
        };
        self.pos += 1;
        let sels: Vec<usize> = if target.eq_ignore_ascii_case("them") {
            // Sigma: `them` leaves out selections whose name starts with `_`.
            (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .collect()
        } else {
            (0..self.names.len())
                .filter(|&i| name_matches(target, self.names[i]))
                .collect()
        };
        if sels.is_empty() {
            return Err(format!("`{quantifier} of {target}` matches no selection"));
        }
        Ok(if all {
            Expr::AllOf(sels)
        } else {
            Expr::AnyOf(sels)
        })
    }
}

fn is_keyword(w: &str) -> bool {
    ["and", "or", "not", "of", "them"]
        .iter()
        .any(|k| w.eq_ignore_ascii_case(k))
}

fn one_or(mut parts: Vec<Expr>, join: fn(Vec<Expr>) -> Expr) -> Expr {
    if parts.len() == 1 {
        parts.pop().expect("one part")
    } else {
        join(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["selection", "filter_a", "filter_b", "_helper"];

    fn p(s: &str) -> Result<Expr, String> {
        parse(s, NAMES)
    }

    fn eval(s: &str, hits: &[usize]) -> bool {
        p(s).unwrap().eval(&mut |i| hits.contains(&i))
    }

    #[test]
    fn precedence_and_parentheses() {
        assert!(eval("selection and not filter_a", &[0]));
        assert!(!eval("selection and not filter_a", &[0, 1]));
        // `and` binds tighter than `or`.
        assert!(eval("filter_a or selection and filter_b", &[1]));
        assert!(!eval("(filter_a or selection) and filter_b", &[1]));
        assert!(
            eval("NOT filter_a AND selection", &[0]),
            "keywords in any case"
        );
        assert!(eval("not not selection", &[0]));
    }

    #[test]
    fn quantifiers() {
        assert_eq!(p("1 of filter_*").unwrap(), Expr::AnyOf(vec![1, 2]));
        assert_eq!(p("all of filter_*").unwrap(), Expr::AllOf(vec![1, 2]));
        assert_eq!(p("1 of them").unwrap(), Expr::AnyOf(vec![0, 1, 2]));
        assert_eq!(p("all of them").unwrap(), Expr::AllOf(vec![0, 1, 2]));
        assert!(eval("selection and not 1 of filter_*", &[0]));
        assert!(!eval("selection and not 1 of filter_*", &[0, 2]));
        assert!(eval("1 of _h*", &[3]));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(p("selection and").unwrap_err().contains("ends too early"));
        assert!(p("(selection").unwrap_err().contains("not closed"));
        assert!(p("selection)").unwrap_err().contains("unexpected `)`"));
        assert!(p("sel").unwrap_err().contains("no selection"));
        assert!(p("1 of nothing*").unwrap_err().contains("matches no"));
        assert!(p("2 of them").unwrap_err().contains("not Sigma"));
        assert!(p("selection | count() > 5")
            .unwrap_err()
            .contains("correlation"));
        assert!(p("").is_err());
        assert!(p(&"(".repeat(1000)).unwrap_err().contains("deeply"));
        assert!(p(&"not ".repeat(1000)).unwrap_err().contains("deeply"));
    }
}
