//! The closed enumerations of PRODUCT.md, with parsing that accepts common spellings in
//! English, Armenian and Russian and refuses anything else with the accepted values named.

use std::fmt;
use std::str::FromStr;

/// A value that is not one of an enumeration's members.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{value}' is not a known {field}; expected one of: {expected}")]
pub struct EnumError {
    /// Which enumeration was being read.
    pub field: &'static str,
    /// The offending value, as given.
    pub value: String,
    /// The canonical values, comma separated.
    pub expected: String,
}

/// Lower-cases and trims a value, and folds `ё` and typographic variants, before lookup.
fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ё' => 'е',
            '-' | ' ' => '_',
            c => c,
        })
        .collect()
}

macro_rules! closed_enum {
    (
        $(#[$meta:meta])* $name:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $canon:literal [ $($alias:literal),* $(,)? ] ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical (English, snake_case) spelling stored and exported.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $canon),+ }
            }
        }

        impl FromStr for $name {
            type Err = EnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                // The stored spelling first: every value read back from the database is
                // one, and folding every alias for each of them showed on the person page.
                $(
                    if s == $canon {
                        return Ok($name::$variant);
                    }
                )+
                let f = fold(s);
                $(
                    if f == $canon $(|| f == fold($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                Err(EnumError {
                    field: $field,
                    value: s.to_owned(),
                    expected: [$($canon),+].join(", "),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_enum! {
    /// Sex as recorded by a source.
    Sex, "sex" {
        /// Female.
        Female = "female" ["f", "woman", "w", "իգական", "կին", "ի", "ж", "жен", "женский", "женщина"],
        /// Male.
        Male = "male" ["m", "man", "արական", "տղամարդ", "ա", "м", "муж", "мужской", "мужчина"],
        /// Not known or not stated.
        Unknown = "unknown" ["u", "?", "not known", "անհայտ", "неизвестно", "не указан"],
    }
}

closed_enum! {
    /// Which group a person belongs to in the conflict.
    Category, "category" {
        /// A member of armed forces.
        Military = "military" ["soldier", "serviceman", "combatant", "զինծառայող", "զինվորական", "военный", "военнослужащий"],
        /// A civilian.
        Civilian = "civilian" ["civ", "քաղաքացիական", "խաղաղ բնակիչ", "гражданский", "мирный житель", "гражданское лицо"],
        /// A former or serving official.
        Official = "official" ["former official", "պաշտոնյա", "նախկին պաշտոնյա", "чиновник", "должностное лицо", "бывший чиновник"],
        /// Not known.
        Unknown = "unknown" ["?", "անհայտ", "неизвестно"],
    }
}

closed_enum! {
    /// What is known about where a person is.
    Status, "status" {
        /// Whereabouts unknown.
        Missing = "missing" ["disappeared", "անհետ կորած", "անհայտ կորած", "пропал без вести", "пропавший", "пропавший без вести"],
        /// Held by a detaining authority.
        Detained = "detained" ["held", "in detention", "captive", "prisoner", "in custody", "custody", "գերի", "գերության մեջ", "կալանավոր", "պահվում է", "задержан", "в плену", "пленный", "задержанный", "под стражей", "содержится под стражей"],
        /// Released but not (yet) returned home.
        Released = "released" ["freed", "ազատ արձակված", "ազատված", "ազատվել է", "освобожден", "освобождён"],
        /// Returned to their country.
        Repatriated = "repatriated" ["returned", "հայրենադարձված", "վերադարձված", "репатриирован", "возвращен", "возвращён"],
        /// Reported dead (shown only once a caseworker confirms it).
        Deceased = "deceased" ["dead", "died", "killed", "մահացած", "զոհված", "умер", "погиб", "погибший", "умерший"],
        /// Not known.
        Unknown = "unknown" ["?", "անհայտ", "неизвестно"],
    }
}

closed_enum! {
    /// Legal status under international humanitarian law.
    LegalStatus, "legal_status" {
        /// A prisoner of war (Third Geneva Convention).
        PrisonerOfWar = "prisoner_of_war" ["pow", "p.o.w.", "ռազմագերի", "военнопленный"],
        /// A civilian internee (Fourth Geneva Convention).
        CivilianInternee = "civilian_internee" ["internee", "interned civilian", "ինտերնացված քաղաքացի", "интернированное гражданское лицо", "интернированный"],
        /// Charged with an offence and awaiting or under trial.
        Accused = "accused" ["charged", "defendant", "մեղադրյալ", "обвиняемый"],
        /// Convicted and sentenced.
        Convicted = "convicted" ["sentenced", "դատապարտված", "осужден", "осуждён", "осужденный"],
        /// Not known.
        Unknown = "unknown" ["?", "անհայտ", "неизвестно"],
    }
}

closed_enum! {
    /// What a user account may do; least privilege by default.
    Role, "role" {
        /// Manages users, roles, keys, backups.
        Administrator = "administrator" ["admin"],
        /// Records persons, visits, events; answers enquiries.
        Caseworker = "caseworker" [],
        /// Imports, links and estimates; sees pseudonymised records.
        Analyst = "analyst" [],
        /// The only role that reads health findings.
        HealthOfficer = "health_officer" ["health"],
        /// Reads what is not sensitive.
        Viewer = "viewer" [],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_three_languages_and_names_the_choices_on_error() {
        assert_eq!("Женский".parse::<Sex>().unwrap(), Sex::Female);
        assert_eq!(" արական ".parse::<Sex>().unwrap(), Sex::Male);
        assert_eq!(
            "POW".parse::<LegalStatus>().unwrap(),
            LegalStatus::PrisonerOfWar
        );
        assert_eq!(
            "prisoner of war".parse::<LegalStatus>().unwrap(),
            LegalStatus::PrisonerOfWar
        );
        assert_eq!("освобождён".parse::<Status>().unwrap(), Status::Released);
        assert_eq!(
            "զինծառայող".parse::<Category>().unwrap(),
            Category::Military
        );
        let err = "sometimes".parse::<Status>().unwrap_err();
        assert_eq!(err.field, "status");
        assert!(err.to_string().contains("missing, detained"));
    }

    #[test]
    fn canonical_spellings_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), *s);
        }
        for s in LegalStatus::ALL {
            assert_eq!(s.to_string().parse::<LegalStatus>().unwrap(), *s);
        }
    }
}
