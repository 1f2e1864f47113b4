//! Which part of a name each token is: given name, patronymic (father's name) or family name.
//!
//! Lists write the father's name beside the given name, often in the same bare form
//! (Петросян Давид Армен: David, son of Armen). Without roles, the query "Петросян Армен"
//! pairs its given name with that father's name and scores the father's son like Armen
//! himself. Roles are inferred from what the token says about itself (a family-name suffix,
//! a patronymic suffix, an Azerbaijani oglu/qizi marker after it) and, for three-part names,
//! from the orders in which lists write names: family, given, patronymic (the order of
//! Armenian, Russian and Azerbaijani registers and of Homeward's display names) or given,
//! patronymic, family. Where the evidence is ambiguous the role stays unknown and nothing
//! is penalised.

/// The part of a name a token plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Not inferred.
    Unknown = 0,
    /// A given name.
    Given = 1,
    /// A patronymic or father's name.
    Patronymic = 2,
    /// A family name.
    Family = 3,
}

impl Role {
    fn from_bits(b: u32) -> Role {
        match b & 3 {
            1 => Role::Given,
            2 => Role::Patronymic,
            3 => Role::Family,
            _ => Role::Unknown,
        }
    }
}

/// Most tokens whose roles are kept; later tokens are `Unknown`.
const MAX_ROLES: usize = 16;

/// The roles of a name's tokens, two bits each (no allocation per name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Roles(u32);

impl Roles {
    /// The role of token `i`.
    pub(crate) fn get(self, i: usize) -> Role {
        if i >= MAX_ROLES {
            return Role::Unknown;
        }
        Role::from_bits(self.0 >> (2 * i))
    }

    fn set(&mut self, i: usize, r: Role) {
        if i < MAX_ROLES {
            self.0 = (self.0 & !(3 << (2 * i))) | ((r as u32) << (2 * i));
        }
    }
}

/// Factor on the score of a pair of tokens when one is a given name and the other a
/// patronymic: the same word in those two places names a father and his son, or two
/// brothers' fathers, not one person. With it, a name whose given name is matched only by
/// the other name's patronymic falls below [`crate::SAME_NAME_THRESHOLD`] (0.98 -> 0.79
/// for "Петросян Армен" against "Петросян Давид Армен").
pub(crate) const ROLE_CONFLICT_FACTOR: f64 = 0.8;

/// The factor for pairing a token of role `a` with a token of role `b`.
pub(crate) fn pair_factor(a: Role, b: Role) -> f64 {
    match (a, b) {
        (Role::Given, Role::Patronymic) | (Role::Patronymic, Role::Given) => ROLE_CONFLICT_FACTOR,
        _ => 1.0,
    }
}

/// Infers the roles of `n` tokens from what each token says about itself (`own(i)`:
/// `Family`, `Patronymic` or `Unknown`) and from the token positions. Tokens in `marked`
/// (a bit per token) stood before an Azerbaijani patronymic marker (Ali oglu).
pub(crate) fn infer(n: usize, own: impl Fn(usize) -> Role, marked: u32) -> Roles {
    let mut roles = Roles::default();
    let (mut family, mut patronymic) = (0usize, 0usize);
    let (mut last_family, mut last_patronymic) = (usize::MAX, usize::MAX);
    for i in 0..n.min(MAX_ROLES) {
        let r = if i < 32 && marked & (1 << i) != 0 {
            Role::Patronymic
        } else {
            own(i)
        };
        match r {
            Role::Family => {
                family += 1;
                last_family = i;
            }
            Role::Patronymic => {
                patronymic += 1;
                last_patronymic = i;
            }
            _ => {}
        }
        roles.set(i, r);
    }
    let fill = |roles: &mut Roles, order: [Role; 3]| {
        for (i, r) in order.into_iter().enumerate() {
            if roles.get(i) == Role::Unknown {
                roles.set(i, r);
            }
        }
    };
    match (n, family, patronymic) {
        // Two parts with one family name: the other is the given name.
        (2, 1, 0) | (2, 0, 1) => {
            let other = if roles.get(0) == Role::Unknown { 0 } else { 1 };
            roles.set(other, Role::Given);
        }
        // Family, given, patronymic; or given, patronymic, family.
        (3, 1, 0) if last_family == 0 => {
            fill(&mut roles, [Role::Family, Role::Given, Role::Patronymic])
        }
        (3, 1, 0) if last_family == 2 => {
            fill(&mut roles, [Role::Given, Role::Patronymic, Role::Family])
        }
        // The one part left when family name and patronymic are known is the given name.
        (3, 1, 1) => fill(&mut roles, [Role::Given; 3]),
        // A patronymic last (family name without a known suffix first) or in the middle
        // (given, patronymic, family).
        (3, 0, 1) if last_patronymic == 2 => roles.set(1, Role::Given),
        (3, 0, 1) if last_patronymic == 1 => roles.set(0, Role::Given),
        _ => {}
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    fn roles(own: &[Role], marked: u32) -> Vec<Role> {
        let r = infer(own.len(), |i| own[i], marked);
        (0..own.len()).map(|i| r.get(i)).collect()
    }

    #[test]
    fn orders_of_three_part_names() {
        assert_eq!(
            roles(&[Family, Unknown, Unknown], 0),
            [Family, Given, Patronymic]
        );
        assert_eq!(
            roles(&[Unknown, Unknown, Family], 0),
            [Given, Patronymic, Family]
        );
        assert_eq!(
            roles(&[Unknown, Patronymic, Family], 0),
            [Given, Patronymic, Family]
        );
        assert_eq!(
            roles(&[Unknown, Unknown, Patronymic], 0),
            [Unknown, Given, Patronymic]
        );
        // Family name in the middle: no order to rely on.
        assert_eq!(
            roles(&[Unknown, Family, Unknown], 0),
            [Unknown, Family, Unknown]
        );
        // Two family-like parts: ambiguous.
        assert_eq!(
            roles(&[Family, Unknown, Family], 0),
            [Family, Unknown, Family]
        );
    }

    #[test]
    fn two_parts_and_markers() {
        assert_eq!(roles(&[Unknown, Family], 0), [Given, Family]);
        assert_eq!(roles(&[Unknown, Unknown], 0), [Unknown, Unknown]);
        // Mammadov Rashad Ali (oglu).
        assert_eq!(
            roles(&[Family, Unknown, Unknown], 0b100),
            [Family, Given, Patronymic]
        );
        // Rashad Ali (oglu) Mammadov.
        assert_eq!(
            roles(&[Unknown, Unknown, Family], 0b010),
            [Given, Patronymic, Family]
        );
    }

    #[test]
    fn conflict_only_between_given_and_patronymic() {
        assert_eq!(pair_factor(Given, Patronymic), ROLE_CONFLICT_FACTOR);
        assert_eq!(pair_factor(Patronymic, Given), ROLE_CONFLICT_FACTOR);
        assert_eq!(pair_factor(Given, Unknown), 1.0);
        assert_eq!(pair_factor(Family, Given), 1.0);
        let r = infer(40, |_| Family, 0);
        assert_eq!(r.get(39), Unknown);
    }
}
