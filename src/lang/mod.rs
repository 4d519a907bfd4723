//! The scenario language: `{{ … }}` templates (values a step sends) and predicates (what a
//! step expects of a value). Both are compiled at plan time and evaluated by the engine.

pub mod predicate;
pub mod template;
