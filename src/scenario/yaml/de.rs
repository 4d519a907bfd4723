//! serde's `Deserializer` over a [`Node`] tree: the target type decides how a scalar reads
//! (a `String` field takes the text as written, an untyped value the core schema's meaning),
//! and every error is placed at the innermost value it concerns; an unknown key at the key.

use super::Error;
use super::node::{Kind, Node, Plain, resolve};
use super::spanned::MARKER;
use serde::de::value::U64Deserializer;
use serde::de::{DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

impl<'de> Deserializer<'de> for Node {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let loc = self.loc;
        match self.kind {
            Kind::Scalar { text, plain: true } => match resolve(&text) {
                Plain::Null => v.visit_unit(),
                Plain::Bool(b) => v.visit_bool(b),
                Plain::Int(i) => v.visit_i64(i),
                Plain::UInt(u) => v.visit_u64(u),
                Plain::Float(f) if f.is_finite() => v.visit_f64(f),
                // JSON has no infinity or NaN: a body or expectation could not carry one.
                Plain::Float(_) => Err(super::Error::new(
                    format!("`{text}` is not a finite number: quote it to mean the text"),
                    loc,
                )),
                Plain::Str => v.visit_string(text),
            },
            Kind::Scalar { text, .. } => v.visit_string(text),
            Kind::Seq(items) => {
                let len = items.len();
                let mut seq = Seq {
                    items: items.into_iter(),
                };
                let out = v.visit_seq(&mut seq)?;
                match seq.items.len() {
                    0 => Ok(out),
                    _ => Err(serde::de::Error::invalid_length(len, &"fewer elements")),
                }
            }
            Kind::Map(entries) => v.visit_map(Map {
                entries: entries.into_iter(),
                value: None,
            }),
        }
        .map_err(|e| e.at(loc))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match &self.kind {
            Kind::Scalar { text, plain: true } if resolve(text) == Plain::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    /// Any scalar reads as its text (`issue: 5930` is the string "5930"); null does not.
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.kind {
            Kind::Scalar { text, plain } if !plain || resolve(&text) != Plain::Null => {
                let loc = self.loc;
                v.visit_string(text).map_err(|e: Error| e.at(loc))
            }
            _ => self.deserialize_any(v),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_string(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_string(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        if name == MARKER {
            let l = self.loc;
            let head = [
                l.line,
                l.col,
                l.offset.map_or(0, |o| o as u64 + 1),
                l.len as u64,
            ];
            return v.visit_seq(SpanSeq {
                head: head.into_iter(),
                value: Some(self),
            });
        }
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        let loc = self.loc;
        match self.kind {
            Kind::Scalar { text, .. } => v.visit_enum(text.into_deserializer()),
            _ => Err(Error::new("expected the name of a variant", loc)),
        }
        .map_err(|e| e.at(loc))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct
    }
}

struct Seq {
    items: std::vec::IntoIter<Node>,
}

impl<'de> SeqAccess<'de> for &mut Seq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.items.next().map(|n| seed.deserialize(n)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map {
    entries: std::vec::IntoIter<(Node, Node)>,
    value: Option<Node>,
}

impl<'de> MapAccess<'de> for Map {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        let loc = key.loc;
        seed.deserialize(key).map(Some).map_err(|e| e.at(loc))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(v),
            None => Err(serde::de::Error::custom("a map value asked for twice")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// The location's numbers, then the value: what [`super::Spanned`] reads.
struct SpanSeq {
    head: std::array::IntoIter<u64, 4>,
    value: Option<Node>,
}

impl<'de> SeqAccess<'de> for SpanSeq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if let Some(n) = self.head.next() {
            return seed.deserialize(U64Deserializer::<Error>::new(n)).map(Some);
        }
        self.value.take().map(|v| seed.deserialize(v)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Spanned, from_str};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        name: Spanned<String>,
        #[serde(default)]
        n: Option<u32>,
        #[serde(default)]
        v: Option<Spanned<serde_json::Value>>,
    }

    #[test]
    fn strings_keep_their_text_and_values_their_places() {
        let d: Doc = from_str("name: 007\nn: 5\nv: {a: [1, 'x', yes, ~, 2.5]}\n").unwrap();
        assert_eq!(d.name.value, "007");
        assert_eq!((d.name.loc.line, d.name.loc.col, d.name.loc.len), (1, 7, 3));
        assert_eq!(d.n, Some(5));
        let v = d.v.unwrap();
        assert_eq!(
            v.value,
            serde_json::json!({"a": [1, "x", "yes", null, 2.5]})
        );
        assert_eq!((v.loc.line, v.loc.col), (3, 4));
    }

    #[test]
    fn errors_point_at_the_key_or_value() {
        let e = from_str::<Doc>("name: x\nnmae: y\n").unwrap_err();
        assert!(e.message.contains("unknown field `nmae`"), "{e}");
        assert_eq!(e.loc.map(|l| (l.line, l.col)), Some((2, 1)));
        let e = from_str::<Doc>("name: x\nn: many\n").unwrap_err();
        assert!(e.message.contains("expected u32"), "{e}");
        assert_eq!(e.loc.map(|l| (l.line, l.col)), Some((2, 4)));
        let e = from_str::<Doc>("n: 1\n").unwrap_err();
        assert!(e.message.contains("missing field `name`"), "{e}");
    }
}
