//! One macro for the enums that are names on the wire (`flux`, `top-left`, `smoothstep`):
//! each name is written once, and `ALL`, `as_str`, `Display`, `FromStr` (with the SPEC's
//! error code and a message listing what would be right) and serde all come from it.

/// `named_enum!(Type, "what it is", CODE { Variant => "name", ... })`: see the module docs.
/// The enum itself is declared beside it, without serde derives.
macro_rules! named_enum {
    ($ty:ident, $what:literal, $code:ident { $($var:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$var),+];

            /// The name on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($ty::$var => $name),+
                }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::error::Error;

            fn from_str(s: &str) -> $crate::error::Result<Self> {
                let t = s.trim();
                $ty::ALL.into_iter().find(|v| v.as_str() == t).ok_or_else(|| {
                    $crate::error::Error::new(
                        $crate::error::ErrorCode::$code,
                        format!(
                            "unknown {} {t:?}; expected {}",
                            $what,
                            $crate::names::one_of(&$ty::ALL.map($ty::as_str))
                        ),
                    )
                })
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(|e: $crate::error::Error| ::serde::de::Error::custom(e.message()))
            }
        }
    };
}

pub(crate) use named_enum;

/// `a, b or c`.
pub(crate) fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::providers::Adapter;

    #[test]
    fn names_round_trip_and_errors_list_the_choices() {
        for m in Adapter::ALL {
            assert_eq!(m.as_str().parse::<Adapter>().unwrap(), m);
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{m}\""));
            assert_eq!(
                serde_json::from_str::<Adapter>(&format!("\"{m}\"")).unwrap(),
                m
            );
        }
        let e = "dalle".parse::<Adapter>().unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::InvalidOption);
        assert_eq!(
            e.message(),
            "unknown provider adapter \"dalle\"; expected bfl, recraft, gemini, openai or host"
        );
        assert!(serde_json::from_str::<Adapter>("\"dalle\"").is_err());
    }
}
