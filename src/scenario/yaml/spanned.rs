//! A value with the place in the file it was written, for diagnostics that point at it.

use crate::scenario::source::Loc;
use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

/// The name [`super::de`] recognises to hand a value its location (other deserializers give
/// the value with an unknown location).
pub(super) const MARKER: &str = "$medusa_conform::Spanned";

/// `value` as written at `loc` (for an alias: where the alias is used).
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Spanned<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value")
            }
            // From super::de: line, column, byte offset + 1 (0: unknown), byte length, value.
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                let mut n = [0u64; 4];
                for x in &mut n {
                    *x = s.next_element()?.unwrap_or(0);
                }
                let missing = || serde::de::Error::custom("a spanned value without its value");
                let value = s.next_element()?.ok_or_else(missing)?;
                let loc = Loc {
                    line: n[0],
                    col: n[1],
                    offset: n[2].checked_sub(1).map(|o| o as usize),
                    len: n[3] as usize,
                };
                Ok(Spanned { value, loc })
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                let value = T::deserialize(d)?;
                Ok(Spanned {
                    value,
                    loc: Loc::default(),
                })
            }
        }
        d.deserialize_newtype_struct(MARKER, V(std::marker::PhantomData))
    }
}
