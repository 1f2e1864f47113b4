//! The standard vocabulary (sex, category, status, legal status) and the places persons come
//! from or were captured at, each with its Armenian, Russian and English form.

/// Sex as the standard person fields record it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// The standard vocabulary word.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
    /// True for [`Sex::Female`].
    pub fn is_female(self) -> bool {
        self == Sex::Female
    }
}

/// Category of person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Serving military personnel.
    Military,
    /// A civilian.
    Civilian,
    /// A (former) official.
    Official,
}

impl Category {
    /// The standard vocabulary word.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Military => "military",
            Category::Civilian => "civilian",
            Category::Official => "official",
        }
    }
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Status as of the scenario date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Whereabouts unknown.
    Missing,
    /// Held.
    Detained,
    /// Released (not through a repatriation).
    Released,
    /// Returned home, usually in an exchange or handover.
    Repatriated,
    /// Died.
    Deceased,
}

impl Status {
    /// The standard vocabulary word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Missing => "missing",
            Status::Detained => "detained",
            Status::Released => "released",
            Status::Repatriated => "repatriated",
            Status::Deceased => "deceased",
        }
    }
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Legal status under international humanitarian law.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LegalStatus {
    /// Prisoner of war.
    PrisonerOfWar,
    /// Civilian internee.
    CivilianInternee,
    /// Accused of an offence, awaiting or on trial.
    Accused,
    /// Convicted.
    Convicted,
    /// Not known.
    Unknown,
}

impl LegalStatus {
    /// The standard vocabulary word.
    pub fn as_str(self) -> &'static str {
        match self {
            LegalStatus::PrisonerOfWar => "prisoner_of_war",
            LegalStatus::CivilianInternee => "civilian_internee",
            LegalStatus::Accused => "accused",
            LegalStatus::Convicted => "convicted",
            LegalStatus::Unknown => "unknown",
        }
    }
}

/// A place name in the three languages the lists use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Locality {
    /// English.
    pub en: &'static str,
    /// Armenian.
    pub hy: &'static str,
    /// Russian.
    pub ru: &'static str,
}

const fn loc(en: &'static str, hy: &'static str, ru: &'static str) -> Locality {
    Locality { en, hy, ru }
}

/// Birthplaces, most frequent first.
pub(crate) const BIRTHPLACES: &[Locality] = &[
    loc("Yerevan", "Երևան", "Ереван"),
    loc("Gyumri", "Գյումրի", "Гюмри"),
    loc("Vanadzor", "Վանաձոր", "Ванадзор"),
    loc("Stepanakert", "Ստեփանակերտ", "Степанакерт"),
    loc("Abovyan", "Աբովյան", "Абовян"),
    loc("Vagharshapat", "Վաղարշապատ", "Вагаршапат"),
    loc("Hrazdan", "Հրազդան", "Раздан"),
    loc("Kapan", "Կապան", "Капан"),
    loc("Armavir", "Արմավիր", "Армавир"),
    loc("Artashat", "Արտաշատ", "Арташат"),
    loc("Goris", "Գորիս", "Горис"),
    loc("Martuni", "Մարտունի", "Мартуни"),
    loc("Martakert", "Մարտակերտ", "Мартакерт"),
    loc("Askeran", "Ասկերան", "Аскеран"),
    loc("Hadrut", "Հադրութ", "Гадрут"),
    loc("Gavar", "Գավառ", "Гавар"),
    loc("Sevan", "Սևան", "Севан"),
    loc("Ashtarak", "Աշտարակ", "Аштарак"),
    loc("Ijevan", "Իջևան", "Иджеван"),
    loc("Sisian", "Սիսիան", "Сисиан"),
    loc("Dilijan", "Դիլիջան", "Дилижан"),
    loc("Vardenis", "Վարդենիս", "Варденис"),
    loc("Meghri", "Մեղրի", "Мегри"),
    loc("Berd", "Բերդ", "Берд"),
    loc("Jermuk", "Ջերմուկ", "Джермук"),
];

/// Capture places (front sections, towns and roads), most frequent first.
pub(crate) const CAPTURE_PLACES: &[Locality] = &[
    loc("Hadrut", "Հադրութ", "Гадрут"),
    loc("Shushi", "Շուշի", "Шуша"),
    loc("Martuni district", "Մարտունու շրջան", "Мартунинский район"),
    loc("Khtsaberd", "Խծաբերդ", "Хцаберд"),
    loc("Hin Tagher", "Հին Թաղեր", "Хин Тагер"),
    loc("Stepanakert", "Ստեփանակերտ", "Степанакерт"),
    loc("Askeran district", "Ասկերանի շրջան", "Аскеранский район"),
    loc("Lachin corridor", "Լաչինի միջանցք", "Лачинский коридор"),
    loc(
        "Martakert district",
        "Մարտակերտի շրջան",
        "Мартакертский район",
    ),
    loc("Jermuk", "Ջերմուկ", "Джермук"),
    loc("Sotk", "Սոթք", "Сотк"),
    loc(
        "Kubatly direction",
        "Կուբաթլուի ուղղություն",
        "Кубатлинское направление",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_words_are_the_standard_ones() {
        assert_eq!(LegalStatus::PrisonerOfWar.as_str(), "prisoner_of_war");
        assert_eq!(Status::Repatriated.as_str(), "repatriated");
        assert_eq!(Category::Official.as_str(), "official");
        assert_eq!(Sex::Female.as_str(), "female");
    }
}
