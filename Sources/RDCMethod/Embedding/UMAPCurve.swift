// Layer: method (R-DC), embedding. Foundation only: the a, b of UMAP's low-dimensional
// similarity 1 / (1 + a·d^(2b)), fitted to the min_dist / spread curve as umap-learn's
// `find_ab_params` does (least squares on 300 points of [0, 3·spread]).

import Foundation

/// The parameters a, b of UMAP's output-space curve 1 / (1 + a·d^(2b)).
public struct UMAPCurve: Equatable, Sendable {
    /// Scale a.
    public let a: Double
    /// Exponent b (the curve falls as d^(2b)).
    public let b: Double

    /// A curve with given parameters.
    public init(a: Double, b: Double) {
        self.a = a
        self.b = b
    }

    /// The least-squares fit of 1 / (1 + a·x^(2b)) to 1 for x < `minimumDistance` and
    /// exp(−(x − minimumDistance)/spread) beyond, on 300 evenly spaced x in [0, 3·spread]
    /// (scipy's `curve_fit` from a = b = 1, here Levenberg–Marquardt in Double).
    public static func fit(minimumDistance: Double, spread: Double = 1) -> UMAPCurve {
        let count = 300
        let xs = (0..<count).map { 3 * spread * Double($0) / Double(count - 1) }
        let ys = xs.map { $0 < minimumDistance ? 1 : exp(-($0 - minimumDistance) / spread) }
        /// Residuals and the 2×2 normal equations JᵀJ, Jᵀr at (a, b).
        func evaluate(_ a: Double, _ b: Double) -> (cost: Double, jtj: (Double, Double, Double), jtr: (Double, Double)) {
            var cost = 0.0, saa = 0.0, sab = 0.0, sbb = 0.0, ra = 0.0, rb = 0.0
            for (x, y) in zip(xs, ys) {
                let power = x > 0 ? pow(x, 2 * b) : 0
                let f = 1 / (1 + a * power)
                let residual = f - y
                // ∂f/∂a = −x^(2b) f², ∂f/∂b = −2a·ln x·x^(2b) f² (0 at x = 0).
                let da = -power * f * f
                let db = x > 0 ? -2 * a * log(x) * power * f * f : 0
                cost += residual * residual
                saa += da * da; sab += da * db; sbb += db * db
                ra += da * residual; rb += db * residual
            }
            return (cost, (saa, sab, sbb), (ra, rb))
        }
        var a = 1.0, b = 1.0, damping = 1e-3
        var current = evaluate(a, b)
        for _ in 0..<500 {
            let (saa, sab, sbb) = current.jtj
            // (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr, the 2×2 system by Cramer's rule.
            let m11 = saa * (1 + damping), m22 = sbb * (1 + damping), m12 = sab
            let determinant = m11 * m22 - m12 * m12
            guard determinant != 0, determinant.isFinite else { break }
            let stepA = -(m22 * current.jtr.0 - m12 * current.jtr.1) / determinant
            let stepB = -(m11 * current.jtr.1 - m12 * current.jtr.0) / determinant
            let candidate = evaluate(a + stepA, b + stepB)
            if candidate.cost.isFinite && candidate.cost < current.cost {
                let improvement = current.cost - candidate.cost
                a += stepA; b += stepB
                current = candidate
                damping = max(damping / 10, 1e-12)
                if improvement <= 1e-15 * max(current.cost, 1e-300)
                    || (abs(stepA) <= 1e-12 * abs(a) && abs(stepB) <= 1e-12 * abs(b)) { break }
            } else {
                damping *= 10
                if damping > 1e12 { break }
            }
        }
        return UMAPCurve(a: a, b: b)
    }
}
