// Layer: method (R-DC). May use NumericCore; never the session, sockets or pictures.

import NumericCore

/// The settings of Phase 1 (method.md "Phase 1"): reconstruction regularised by ACAI.
public struct ACAISettings: Equatable, Sendable {
    /// Whether the adversarial critic is used (off: a plain autoencoder, the ablation baseline).
    public var criticEnabled: Bool = true
    /// Weight λ of the critic term in the autoencoder loss.
    public var lambda: Float = 0.5
    /// Mix γ of inputs and reconstructions shown to the critic as "α = 0" examples.
    public var gamma: Float = 0.2

    /// Settings with method.md's defaults.
    public init(criticEnabled: Bool = true, lambda: Float = 0.5, gamma: Float = 0.2) {
        self.criticEnabled = criticEnabled
        self.lambda = lambda
        self.gamma = gamma
    }
}

/// Losses of one autoencoder batch.
public struct StepLosses: Equatable, Sendable {
    /// mean_i ‖x_i − x̂_i‖².
    public var reconstruction: Float
    /// λ·mean_i C(x̂_α,i)² (0 with the critic off).
    public var regularisation: Float = 0
    /// The critic's own loss (0 with the critic off).
    public var critic: Float = 0
    /// The extra latent term (Phase 2's proximity loss; 0 without one).
    public var latent: Float = 0
}

/// A batch whose loss or gradients came out NaN or infinite (training diverged): its update
/// was not applied, so the networks and optimisers are as they were before it.
public struct DivergedStep: Error, Sendable {
    /// The losses the batch computed.
    public let losses: StepLosses
}

extension StepLosses {
    /// Whether every loss is a finite number.
    public var areFinite: Bool {
        reconstruction.isFinite && regularisation.isFinite && critic.isFinite && latent.isFinite
    }
}

/// A loss on the batch's latent codes z = E(x), added to the autoencoder's loss (Phase 2's
/// proximity term): returns its value and dLoss/dz.
public typealias LatentTerm = (Tensor) -> LossAndGradient

/// One training step of the autoencoder over a batch, exactly as method.md: reconstruction,
/// optionally an extra latent term, and optionally ACAI — both decodes in one decoder pass over
/// [z; z_mix], the critic frozen for the autoencoder's gradient — then one Adam step for the
/// autoencoder and one for the critic.
public enum AutoencoderStep {
    /// Trains `autoencoder` (and `critic` when enabled) on `batch`; α is drawn from `generator`.
    /// The decoder reconstructs `reconstructionTarget` (Phase 2's neighbourhood images) when
    /// given, else the batch itself. Throws `DivergedStep`, applying nothing, when a loss or
    /// gradient is not finite.
    public static func train(autoencoder: inout Autoencoder, critic: inout Critic, batch: Tensor,
                             settings: ACAISettings, autoencoderOptimizer: inout Adam, criticOptimizer: inout Adam,
                             generator: inout SeededGenerator, latentTerm: LatentTerm? = nil,
                             reconstructionTarget: Tensor? = nil) throws -> StepLosses {
        let n = batch.batchSize
        let z = autoencoder.encoder.forward(batch)
        let latentLoss = latentTerm?(z)
        let target = reconstructionTarget ?? batch
        guard settings.criticEnabled && n > 1 else {
            let reconstruction = autoencoder.decoder.forward(z)
            let loss = MeanSquaredError.loss(prediction: reconstruction, target: target)
            var latentGradient = autoencoder.decoder.backward(loss.gradient, needs: .all)
            if let latentLoss { latentGradient.add(latentLoss.gradient) }
            _ = autoencoder.encoder.backward(latentGradient, needs: .parametersOnly)
            let losses = StepLosses(reconstruction: loss.value, latent: latentLoss?.value ?? 0)
            try requireFinite(losses, &autoencoder, &critic, criticTrained: false)
            autoencoderOptimizer.update(&autoencoder)
            return losses
        }
        let alphas = (0..<n).map { _ in generator.nextUniform(0, 0.5) }
        let mixedLatent = interpolate(z, alphas: alphas)
        let decoded = autoencoder.decoder.forward(Tensor.concatenating([z, mixedLatent]))
        let reconstruction = decoded.rows(0..<n), interpolated = decoded.rows(n..<(2 * n))
        let loss = MeanSquaredError.loss(prediction: reconstruction, target: target)

        // Autoencoder side: λ·mean C(x̂_α)², back-propagated through a frozen critic.
        let interpolatedScores = critic.scores(interpolated)
        let lambda = settings.lambda
        let regularisation = lambda * interpolatedScores.reduce(0) { $0 + $1 * $1 } / Float(n)
        let interpolatedGradient = critic.backward(
            scoreGradients: interpolatedScores.map { 2 * lambda * $0 / Float(n) }, needs: .inputOnly)

        // Critic side: predict α on x̂_α and 0 on γ·x + (1 − γ)·x̂, with x̂ held constant.
        let gamma = settings.gamma
        var blend = batch
        blend.storage.withUnsafeMutableBufferPointer { b in
            reconstruction.storage.withUnsafeBufferPointer { r in
                for i in b.indices { b[i] = gamma * b[i] + (1 - gamma) * r[i] }
            }
        }
        let criticScores = critic.scores(Tensor.concatenating([interpolated, blend]))
        var criticLoss: Float = 0
        var criticGradients = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let error = criticScores[i] - alphas[i], blendScore = criticScores[n + i]
            criticLoss += (error * error + blendScore * blendScore) / Float(n)
            criticGradients[i] = 2 * error / Float(n)
            criticGradients[n + i] = 2 * blendScore / Float(n)
        }
        _ = critic.backward(scoreGradients: criticGradients, needs: .parametersOnly)

        let decodedGradient = Tensor.concatenating([loss.gradient, interpolatedGradient])
        let latentGradients = autoencoder.decoder.backward(decodedGradient, needs: .all)
        var latentGradient = interpolationGradient(latentGradients, alphas: alphas)
        if let latentLoss { latentGradient.add(latentLoss.gradient) }
        _ = autoencoder.encoder.backward(latentGradient, needs: .parametersOnly)
        let losses = StepLosses(reconstruction: loss.value, regularisation: regularisation, critic: criticLoss,
                                latent: latentLoss?.value ?? 0)
        // The two updates are independent, so both wait until the whole step is known finite.
        try requireFinite(losses, &autoencoder, &critic, criticTrained: true)
        criticOptimizer.update(&critic.network)
        autoencoderOptimizer.update(&autoencoder)
        return losses
    }

    /// Throws `DivergedStep` (clearing the accumulated gradients, so nothing of the batch is
    /// applied) unless the losses and every gradient are finite.
    private static func requireFinite(_ losses: StepLosses, _ autoencoder: inout Autoencoder,
                                      _ critic: inout Critic, criticTrained: Bool) throws {
        var finite = losses.areFinite && autoencoder.gradientsAreFinite()
        if finite && criticTrained { finite = critic.network.gradientsAreFinite() }
        guard !finite else { return }
        autoencoder.zeroGradients()
        if criticTrained { critic.network.zeroGradients() }
        throw DivergedStep(losses: losses)
    }

    /// z_mix,i = α_i·z_i + (1 − α_i)·z_{π(i)} with π the batch reversed.
    public static func interpolate(_ z: Tensor, alphas: [Float]) -> Tensor {
        let n = z.batchSize, width = z.itemSize
        var mixed = Tensor(shape: z.shape)
        for i in 0..<n {
            let partner = n - 1 - i, alpha = alphas[i]
            for j in 0..<width {
                mixed.storage[i * width + j] = alpha * z.storage[i * width + j] + (1 - alpha) * z.storage[partner * width + j]
            }
        }
        return mixed
    }

    /// dLoss/dz from the decoder's input gradient over [z; z_mix].
    private static func interpolationGradient(_ gradients: Tensor, alphas: [Float]) -> Tensor {
        let n = alphas.count, width = gradients.itemSize
        var latent = gradients.rows(0..<n)
        for i in 0..<n {
            let partner = n - 1 - i, alpha = alphas[i]
            for j in 0..<width {
                let g = gradients.storage[(n + i) * width + j]
                latent.storage[i * width + j] += alpha * g
                latent.storage[partner * width + j] += (1 - alpha) * g
            }
        }
        return latent
    }
}
