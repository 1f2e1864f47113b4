//! Clustering of scored pairs into persons, robust to chaining.
//!
//! Edges at or above the threshold are taken strongest first (ties broken by record order).
//! Two singletons joined by such an edge merge. Two clusters of which one has more than one
//! record merge only when at least `min_support` of the cross pairs that were compared (were
//! candidate pairs) are themselves at or above the threshold. A weak bridge between two
//! strong clusters is one matching cross pair among many compared non-matching ones, so it
//! does not merge them, while a record that matches every compared member of a cluster joins
//! it. Pairs never compared (kept apart by blocking) count neither way. The result depends
//! only on the weights and the record order, never on thread count.

use rayon::prelude::*;

/// Union-find over records with explicit member lists (small clusters, so merging the smaller
/// list into the larger is cheap). A singleton has no list yet: most records of a large run
/// never join anything, and a list each would be a million allocations.
struct Clusters {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Clusters {
    fn new(n: usize) -> Clusters {
        Clusters {
            parent: (0..n as u32).collect(),
            members: vec![Vec::new(); n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    fn size(&self, root: u32) -> usize {
        self.members[root as usize].len().max(1)
    }

    /// The members of the cluster of `root`.
    fn members_of(&self, root: u32) -> Vec<u32> {
        match self.members[root as usize].as_slice() {
            [] => vec![root],
            m => m.to_vec(),
        }
    }

    /// Takes the edge `a`-`b`: joins their clusters unless both are one cluster already, or
    /// one has more than one record and fewer than `min_support` of the compared pairs
    /// between them (`adj`: each record's compared pairs, with whether they match) match.
    fn join(&mut self, adj: &[Vec<(u32, bool)>], a: u32, b: u32, min_support: f64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (sa, sb) = (self.size(ra), self.size(rb));
        if sa > 1 || sb > 1 {
            let (from, to) = if sa <= sb { (ra, rb) } else { (rb, ra) };
            let (mut compared, mut matched) = (0u64, 0u64);
            for x in self.members_of(from) {
                for &(y, hit) in &adj[x as usize] {
                    if self.find(y) == to {
                        compared += 1;
                        matched += u64::from(hit);
                    }
                }
            }
            if (matched as f64) < min_support * compared as f64 {
                return;
            }
        }
        self.union(ra, rb);
    }

    fn union(&mut self, a: u32, b: u32) {
        let (big, small) = if self.size(a) >= self.size(b) {
            (a, b)
        } else {
            (b, a)
        };
        self.parent[small as usize] = big;
        let moved = self.members_of(small);
        self.members[small as usize] = Vec::new();
        if self.members[big as usize].is_empty() {
            self.members[big as usize].push(big);
        }
        self.members[big as usize].extend(moved);
    }
}

/// Assigns a cluster to each of `n` records from scored candidate pairs `(i, j)` with
/// `i < j` and their probabilities. Returns, per record, the smallest record index of its
/// cluster.
///
/// Merges only ever follow edges at or above the threshold, so no cluster spans two
/// connected components of those edges, and what happens in one component never looks at
/// another: the components are clustered independently and in parallel, each taking its own
/// edges in the global order. That gives exactly what one pass over all edges would.
pub(crate) fn cluster(
    n: usize,
    pairs: &[(u32, u32)],
    probs: &[f64],
    threshold: f64,
    min_support: f64,
) -> Vec<u32> {
    // The compared pairs are looked up by their lower record, so they must be in order
    // (the engine's candidates are; pairs handed in from outside may not be).
    if !pairs.par_windows(2).all(|w| w[0] <= w[1]) {
        let mut by_pair: Vec<((u32, u32), f64)> =
            pairs.iter().copied().zip(probs.iter().copied()).collect();
        by_pair.par_sort_by(|a, b| a.0.cmp(&b.0));
        let (pairs, probs): (Vec<(u32, u32)>, Vec<f64>) = by_pair.into_iter().unzip();
        return cluster(n, &pairs, &probs, threshold, min_support);
    }
    let edges: Vec<(u32, u32, f64)> = pairs
        .par_iter()
        .zip(probs)
        .filter(|(_, &p)| p >= threshold)
        .map(|(&(i, j), &p)| (i, j, p))
        .collect();
    let components = Components::of(n, &edges);
    let mut edges = edges;
    // Each component's edges together, strongest first, ties by record order.
    edges.par_sort_unstable_by(|a, b| {
        components.label[a.0 as usize]
            .cmp(&components.label[b.0 as usize])
            .then(b.2.total_cmp(&a.2))
            .then(a.0.cmp(&b.0))
            .then(a.1.cmp(&b.1))
    });
    let mut edge_starts: Vec<usize> = Vec::with_capacity(components.count() + 1);
    for (k, e) in edges.iter().enumerate() {
        if k == 0 || components.label[e.0 as usize] != components.label[edges[k - 1].0 as usize] {
            edge_starts.push(k);
        }
    }
    edge_starts.push(edges.len());
    // Where each record's pairs start among the pairs sorted by lower record (counted in
    // one pass: a binary search per record missed the cache at every step).
    let mut first = vec![0usize; n + 1];
    for &(i, _) in pairs {
        first[i as usize + 1] += 1;
    }
    for k in 1..=n {
        first[k] += first[k - 1];
    }

    let results: Vec<Vec<(u32, u32)>> = (0..components.count())
        .into_par_iter()
        .with_min_len(256)
        .map(|c| {
            let members = components.members(c);
            let local = |x: u32| members.binary_search(&x).ok();
            // The compared pairs inside the component, as local adjacency lists.
            let mut adj: Vec<Vec<(u32, bool)>> = vec![Vec::new(); members.len()];
            for (a, &x) in members.iter().enumerate() {
                for k in first[x as usize]..first[x as usize + 1] {
                    let y = pairs[k].1;
                    if components.label[y as usize] == c as u32 {
                        if let Some(b) = local(y) {
                            let hit = probs[k] >= threshold;
                            adj[a].push((b as u32, hit));
                            adj[b].push((a as u32, hit));
                        }
                    }
                }
            }
            let mut clusters = Clusters::new(members.len());
            for &(i, j, _) in &edges[edge_starts[c]..edge_starts[c + 1]] {
                if let (Some(i), Some(j)) = (local(i), local(j)) {
                    clusters.join(&adj, i as u32, j as u32, min_support);
                }
            }
            // Local order is record order, so a cluster's smallest local index is its
            // smallest record.
            let mut out = Vec::with_capacity(members.len());
            for root in 0..members.len() as u32 {
                let m = &clusters.members[root as usize];
                if let Some(&min) = m.iter().min() {
                    out.extend(
                        m.iter()
                            .map(|&x| (members[x as usize], members[min as usize])),
                    );
                }
            }
            out
        })
        .collect();
    let mut out: Vec<u32> = (0..n as u32).collect();
    for (x, root) in results.into_iter().flatten() {
        out[x as usize] = root;
    }
    out
}

/// Connected components of the edges at or above the threshold, with more than one record:
/// a dense label per record (`u32::MAX` for a record in no edge) and each component's
/// records in order.
struct Components {
    label: Vec<u32>,
    starts: Vec<usize>,
    members: Vec<u32>,
}

impl Components {
    fn of(n: usize, edges: &[(u32, u32, f64)]) -> Components {
        let mut parent: Vec<u32> = (0..n as u32).collect();
        let find = |parent: &mut Vec<u32>, mut x: u32| {
            while parent[x as usize] != x {
                let p = parent[x as usize];
                parent[x as usize] = parent[p as usize];
                x = p;
            }
            x
        };
        let mut linked = vec![false; n];
        for &(i, j, _) in edges {
            linked[i as usize] = true;
            linked[j as usize] = true;
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                // The smaller index as root, so the labels below follow record order.
                parent[a.max(b) as usize] = a.min(b);
            }
        }
        let mut label = vec![u32::MAX; n];
        let mut sizes: Vec<usize> = Vec::new();
        for x in 0..n as u32 {
            if !linked[x as usize] {
                continue;
            }
            let root = find(&mut parent, x);
            if root == x {
                label[x as usize] = sizes.len() as u32;
                sizes.push(0);
            } else {
                label[x as usize] = label[root as usize];
            }
            sizes[label[x as usize] as usize] += 1;
        }
        let mut starts = Vec::with_capacity(sizes.len() + 1);
        let mut total = 0;
        for s in &sizes {
            starts.push(total);
            total += s;
        }
        starts.push(total);
        let mut fill = starts.clone();
        let mut members = vec![0u32; total];
        for x in 0..n as u32 {
            let l = label[x as usize];
            if l != u32::MAX {
                members[fill[l as usize]] = x;
                fill[l as usize] += 1;
            }
        }
        Components {
            label,
            starts,
            members,
        }
    }

    fn count(&self) -> usize {
        self.starts.len() - 1
    }

    fn members(&self, c: usize) -> &[u32] {
        &self.members[self.starts[c]..self.starts[c + 1]]
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Clusters;

    /// Clustering in one pass over all edges with adjacency lists of every compared pair: the
    /// definition the component-parallel version must reproduce.
    fn one_pass(
        n: usize,
        pairs: &[(u32, u32)],
        probs: &[f64],
        threshold: f64,
        min_support: f64,
    ) -> Vec<u32> {
        let mut edges: Vec<(u32, u32, f64)> = pairs
            .iter()
            .zip(probs)
            .filter(|(_, &p)| p >= threshold)
            .map(|(&(i, j), &p)| (i, j, p))
            .collect();
        edges.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        let mut adj: Vec<Vec<(u32, bool)>> = vec![Vec::new(); n];
        for (&(i, j), &p) in pairs.iter().zip(probs) {
            adj[i as usize].push((j, p >= threshold));
            adj[j as usize].push((i, p >= threshold));
        }
        let mut c = Clusters::new(n);
        for (i, j, _) in edges {
            c.join(&adj, i, j, min_support);
        }
        let mut out: Vec<u32> = (0..n as u32).collect();
        for root in 0..n {
            let members = &c.members[root];
            if let Some(&min) = members.iter().min() {
                for &m in members {
                    out[m as usize] = min;
                }
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Clustering component by component in parallel gives what one pass over all edges
        /// gives, whether or not the pairs come sorted.
        #[test]
        fn components_cluster_as_one_pass_does(
            n in 2usize..60,
            raw in proptest::collection::vec((0u32..60, 0u32..60, 0u8..8), 0..200),
            support in prop_oneof![Just(0.0), Just(0.5), 0.0f64..1.0],
            shuffle in any::<bool>(),
        ) {
            let mut seen = std::collections::BTreeMap::new();
            for (a, b, p) in raw {
                let (a, b) = (a % n as u32, b % n as u32);
                if a != b {
                    // Few distinct probabilities, so that ties are common.
                    seen.insert((a.min(b), a.max(b)), f64::from(p) / 7.0);
                }
            }
            let mut triples: Vec<((u32, u32), f64)> = seen.into_iter().collect();
            if shuffle {
                triples.reverse();
            }
            let (pairs, probs): (Vec<(u32, u32)>, Vec<f64>) = triples.into_iter().unzip();
            prop_assert_eq!(
                super::cluster(n, &pairs, &probs, 0.5, support),
                one_pass(n, &pairs, &probs, 0.5, support)
            );
        }
    }

    fn cluster(
        n: usize,
        triples: &[(u32, u32, f64)],
        threshold: f64,
        min_support: f64,
    ) -> Vec<u32> {
        let pairs: Vec<(u32, u32)> = triples.iter().map(|t| (t.0, t.1)).collect();
        let probs: Vec<f64> = triples.iter().map(|t| t.2).collect();
        super::cluster(n, &pairs, &probs, threshold, min_support)
    }

    #[test]
    fn weak_bridge_does_not_join_two_strong_clusters() {
        // {0,1,2} and {3,4,5} strongly linked inside; one bridge 2-3 above threshold, the
        // other compared cross pairs below it.
        let mut pairs = vec![
            (0, 1, 0.99),
            (0, 2, 0.99),
            (1, 2, 0.99),
            (3, 4, 0.99),
            (3, 5, 0.99),
            (4, 5, 0.99),
        ];
        pairs.push((2, 3, 0.6));
        for (a, b) in [(0, 3), (1, 3), (2, 4), (2, 5), (0, 4)] {
            pairs.push((a, b, 0.1));
        }
        let c = cluster(6, &pairs, 0.5, 0.5);
        assert_eq!(c, vec![0, 0, 0, 3, 3, 3]);
        // Connected components would have chained them into one.
        let cc = cluster(6, &pairs, 0.5, 0.0);
        assert_eq!(cc, vec![0; 6]);
    }

    #[test]
    fn a_record_matching_the_whole_cluster_joins_it() {
        let pairs = vec![(0, 1, 0.99), (0, 2, 0.9), (1, 2, 0.8)];
        assert_eq!(cluster(3, &pairs, 0.5, 0.5), vec![0, 0, 0]);
    }

    #[test]
    fn chains_through_uncompared_pairs() {
        // 0-1 and 1-2 match; 0-2 never compared: nothing speaks against joining.
        let pairs = vec![(0, 1, 0.99), (1, 2, 0.9)];
        assert_eq!(cluster(3, &pairs, 0.5, 0.5), vec![0, 0, 0]);
    }
}
