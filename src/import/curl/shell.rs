//! The shell tokenizer: a pasted curl command is shell text, not argv, so it is split the way a
//! POSIX shell would split it. Hand-written (the code review checked shell-words and shlex):
//! neither handles `$'…'` (Chrome's "Copy as cURL" for bash), cmd.exe's `^` continuations, or
//! cutting the command at `|`, `;`, `&&`, which pasted commands carry (Hurl hand-writes this too).

use super::ImportError;

/// A command's words, and the shell operator (`|`, `;`, `>`, …) where it was cut, if any.
pub(crate) struct Words {
    pub(crate) words: Vec<String>,
    pub(crate) cut_at: Option<String>,
}

/// Splits `input` into words like a POSIX shell: `'…'` literal, `"…"` with `\` escaping
/// `$ \` " \ newline`, `$'…'` ANSI-C escapes, `\x` outside quotes, backslash-newline (and cmd.exe
/// caret-newline) continuations, `#` comments. Stops at the first unquoted `|`, `;`, `&&`, `<`
/// or `>`: what follows (`| jq .`, `> out.json`) is not part of the request. No expansion:
/// `$TOKEN` stays literal, which is what a placeholder needs anyway.
pub fn shell_words(input: &str) -> Result<Vec<String>, ImportError> {
    tokenize(input).map(|w| w.words)
}

/// [`shell_words`], also saying where the command was cut.
pub(crate) fn tokenize(input: &str) -> Result<Words, ImportError> {
    let mut t = Tokenizer {
        chars: input.chars().collect(),
        i: 0,
        words: Vec::new(),
        cur: String::new(),
        in_word: false,
    };
    while t.i < t.chars.len() {
        if let Some(op) = t.step()? {
            return Ok(t.finish(Some(op)));
        }
    }
    Ok(t.finish(None))
}

struct Tokenizer {
    chars: Vec<char>,
    i: usize,
    words: Vec<String>,
    cur: String,
    /// Separate from `cur.is_empty()` so that `''` is an (empty) word.
    in_word: bool,
}

impl Tokenizer {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// Reads what starts at `self.i`; returns the shell operator where the command ends.
    fn step(&mut self) -> Result<Option<String>, ImportError> {
        let c = self.chars[self.i];
        let next = self.at(self.i + 1);
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if self.in_word {
                    self.words.push(std::mem::take(&mut self.cur));
                    self.in_word = false;
                }
                self.i += 1;
            }
            '\\' | '^' if next == Some('\n') => self.i += 2,
            '\\' | '^' if next == Some('\r') && self.at(self.i + 2) == Some('\n') => self.i += 3,
            '\\' => {
                if let Some(n) = next {
                    self.cur.push(n);
                    self.in_word = true;
                }
                self.i += 2;
            }
            '\'' => self.quoted(Quote::Single, self.i + 1)?,
            '"' => self.quoted(Quote::Double, self.i + 1)?,
            '$' if next == Some('\'') => self.quoted(Quote::AnsiC, self.i + 2)?,
            // `$"…"` is a locale-translated string: the same as `"…"` here.
            '$' if next == Some('"') => self.quoted(Quote::Double, self.i + 2)?,
            '#' if !self.in_word => {
                while self.i < self.chars.len() && self.chars[self.i] != '\n' {
                    self.i += 1;
                }
            }
            '|' | ';' | '<' | '>' => return Ok(Some(c.to_string())),
            // A lone `&` is kept: unquoted URLs with `&` are a common paste, and a background
            // job makes no sense here. `&&` chains another command.
            '&' if next == Some('&') => return Ok(Some("&&".into())),
            _ => {
                self.cur.push(c);
                self.in_word = true;
                self.i += 1;
            }
        }
        Ok(None)
    }

    /// Reads a quoted string whose body starts at `start`.
    fn quoted(&mut self, kind: Quote, start: usize) -> Result<(), ImportError> {
        let end = match kind {
            Quote::Single => single_quoted(&self.chars, start, &mut self.cur),
            Quote::Double => double_quoted(&self.chars, start, &mut self.cur),
            Quote::AnsiC => ansi_c_quoted(&self.chars, start, &mut self.cur),
        };
        let quote = if kind == Quote::Double { '"' } else { '\'' };
        self.i = end.ok_or(ImportError::UnterminatedQuote {
            quote,
            position: start,
        })?;
        self.in_word = true;
        Ok(())
    }

    fn finish(mut self, cut_at: Option<String>) -> Words {
        if self.in_word {
            self.words.push(self.cur);
        }
        Words {
            words: self.words,
            cut_at,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Quote {
    /// `'…'`
    Single,
    /// `"…"` and `$"…"`
    Double,
    /// `$'…'`
    AnsiC,
}

/// Reads a `'…'` body starting after the quote; returns the index after the closing quote.
fn single_quoted(chars: &[char], i: usize, out: &mut String) -> Option<usize> {
    let end = (i..chars.len()).find(|&j| chars[j] == '\'')?;
    out.extend(&chars[i..end]);
    Some(end + 1)
}

/// Reads a `"…"` body starting after the quote; returns the index after the closing quote.
fn double_quoted(chars: &[char], mut i: usize, out: &mut String) -> Option<usize> {
    while i < chars.len() {
        match chars[i] {
            '"' => return Some(i + 1),
            '\\' => match chars.get(i + 1) {
                Some('\n') => i += 2,
                Some('\r') if chars.get(i + 2) == Some(&'\n') => i += 3,
                Some(&n @ ('$' | '`' | '"' | '\\')) => {
                    out.push(n);
                    i += 2;
                }
                // Elsewhere a backslash is literal inside double quotes.
                _ => {
                    out.push('\\');
                    i += 1;
                }
            },
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

/// Reads a `$'…'` body starting after the quote; returns the index after the closing quote.
fn ansi_c_quoted(chars: &[char], mut i: usize, out: &mut String) -> Option<usize> {
    while i < chars.len() {
        match chars[i] {
            '\'' => return Some(i + 1),
            '\\' => {
                let &e = chars.get(i + 1)?;
                i = ansi_c_escape(chars, i + 2, e, out);
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

/// Writes the escape `\e` whose argument (if any) starts at `i`; returns the index after it.
fn ansi_c_escape(chars: &[char], i: usize, e: char, out: &mut String) -> usize {
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'e' | 'E' => Some('\u{1b}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' | '\'' | '"' | '?' => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        out.push(c);
        return i;
    }
    let (code, used) = match e {
        // `\0` to `\377`: the escape's own digit and up to two more.
        '0'..='7' => {
            let (v, n) = digits(chars, i, 8, 2);
            (
                (e.to_digit(8).unwrap_or(0) * 8u32.pow(n as u32) + v) & 0xff,
                n,
            )
        }
        'x' | 'u' | 'U' => {
            let max = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            match digits(chars, i, 16, max) {
                (_, 0) => return literal_escape(e, i, out),
                found => found,
            }
        }
        'c' => match chars.get(i) {
            Some(&x) => (x as u32 & 0x1f, 1),
            None => return i,
        },
        _ => return literal_escape(e, i, out),
    };
    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
    i + used
}

/// An escape bash does not know stays as written.
fn literal_escape(e: char, i: usize, out: &mut String) -> usize {
    out.push('\\');
    out.push(e);
    i
}

/// Up to `max` digits in `radix` from `from`: their value and how many there were.
fn digits(chars: &[char], from: usize, radix: u32, max: usize) -> (u32, usize) {
    let mut v = 0u32;
    let mut n = 0;
    while n < max {
        match chars.get(from + n).and_then(|c| c.to_digit(radix)) {
            Some(d) => {
                v = v * radix + d;
                n += 1;
            }
            None => break,
        }
    }
    (v, n)
}
