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

/// Assigns a cluster to each of `n` records from scored candidate pairs `(i, j, probability)`
/// with `i < j`. Returns, per record, the smallest record index of its cluster.
pub(crate) fn cluster(
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

    // Only records with a matching pair ever join a cluster, so the support of a merge is
    // counted over the compared pairs among them: the adjacency of those pairs only, as
    // compressed rows.
    let mut linked = vec![false; n];
    for &(i, j, _) in &edges {
        linked[i as usize] = true;
        linked[j as usize] = true;
    }
    let kept = |&(&(i, j), _): &(&(u32, u32), &f64)| linked[i as usize] && linked[j as usize];
    let mut degree = vec![0u32; n + 1];
    for (&(i, j), _) in pairs.iter().zip(probs).filter(kept) {
        degree[i as usize + 1] += 1;
        degree[j as usize + 1] += 1;
    }
    for k in 1..=n {
        degree[k] += degree[k - 1];
    }
    let offsets = degree;
    let mut fill = offsets.clone();
    let mut adj: Vec<(u32, bool)> = vec![(0, false); offsets[n] as usize];
    for (&(i, j), &p) in pairs.iter().zip(probs).filter(kept) {
        let hit = p >= threshold;
        adj[fill[i as usize] as usize] = (j, hit);
        fill[i as usize] += 1;
        adj[fill[j as usize] as usize] = (i, hit);
        fill[j as usize] += 1;
    }
    drop(fill);

    let mut c = Clusters::new(n);
    for (i, j, _) in edges {
        let (ri, rj) = (c.find(i), c.find(j));
        if ri == rj {
            continue;
        }
        let (si, sj) = (c.size(ri), c.size(rj));
        if si > 1 || sj > 1 {
            let (from, to) = if si <= sj { (ri, rj) } else { (rj, ri) };
            let (mut compared, mut matched) = (0u64, 0u64);
            for x in c.members_of(from) {
                let (s, e) = (
                    offsets[x as usize] as usize,
                    offsets[x as usize + 1] as usize,
                );
                for &(y, hit) in &adj[s..e] {
                    if c.find(y) == to {
                        compared += 1;
                        matched += u64::from(hit);
                    }
                }
            }
            if (matched as f64) < min_support * compared as f64 {
                continue;
            }
        }
        c.union(ri, rj);
    }
    let mut out: Vec<u32> = (0..n as u32).collect();
    for root in 0..n as u32 {
        let members = &c.members[root as usize];
        if let Some(&min) = members.iter().min() {
            for &m in members {
                out[m as usize] = min;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
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
