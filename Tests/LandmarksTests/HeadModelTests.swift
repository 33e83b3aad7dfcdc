import CairnInference
import CairnLandmarkBuilder
import Testing

/// The hand-written gradients of the embedding head (fully connected + batch norm + classifier, softmax
/// cross-entropy + center loss) against central finite differences of the loss.
struct HeadModelTests {
    @Test(arguments: [(Float(0), Float?.none), (0.5, nil), (0, 4), (0.5, 4)])
    func gradientsMatchFiniteDifferences(lambda: Float, cosineScale: Float?) {
        var random = SeededRandom(seed: 11)
        var model = HeadModel(inputs: 7, dimension: 5, classes: 4, random: &random)
        model.cosineScale = cosineScale
        model.centers = (0..<(3 * 5)).map { _ in Float.random(in: -1...1, using: &random) }
        model.gamma = (0..<5).map { _ in Float.random(in: 0.5...1.5, using: &random) }
        model.beta = (0..<5).map { _ in Float.random(in: -0.5...0.5, using: &random) }
        let features = (0..<(6 * 7)).map { _ in Float.random(in: -1...1, using: &random) }
        let labels = [0, 1, 2, 3, 1, 3]  // 3 is "no landmark": no center term
        var gradients: HeadModel.Gradients? = HeadModel.Gradients()
        _ = model.loss(features: features, labels: labels, lambda: lambda, gradients: &gradients)
        let analytic = gradients!

        func numeric(_ path: WritableKeyPath<HeadModel, [Float]>, _ index: Int) -> Double {
            let h: Float = 1e-2
            var none: HeadModel.Gradients?
            var plus = model
            plus[keyPath: path][index] += h
            var minus = model
            minus[keyPath: path][index] -= h
            let up = plus.loss(features: features, labels: labels, lambda: lambda, gradients: &none).loss
            let down = minus.loss(features: features, labels: labels, lambda: lambda, gradients: &none).loss
            return (up - down) / Double(2 * h)
        }
        func check(_ name: String, _ path: WritableKeyPath<HeadModel, [Float]>, _ values: [Float]) {
            for index in stride(from: 0, to: values.count, by: max(1, values.count / 9)) {
                let expected = numeric(path, index)
                let actual = Double(values[index])
                #expect(
                    abs(expected - actual) <= 2e-3 + 2e-2 * abs(expected),
                    "\(name)[\(index)]: analytic \(actual), numeric \(expected)")
            }
        }
        check("weight", \.weight, analytic.weight)
        check("gamma", \.gamma, analytic.gamma)
        check("beta", \.beta, analytic.beta)
        check("classifier", \.classifier, analytic.classifier)
        // The bias before batch norm has no effect on the loss: its gradient is zero.
        #expect(analytic.bias.allSatisfy { abs($0) < 1e-5 })
    }

    @Test func trainingIsDeterministicAndLearnsSeparableClasses() {
        // Three landmark classes and non-landmarks around four random directions.
        var random = SeededRandom(seed: 5)
        let directions = (0..<4).map { _ in (0..<32).map { _ in Float.random(in: 0...1, using: &random) } }
        func samples(_ direction: [Float], _ count: Int) -> [[Float]] {
            (0..<count).map { _ in direction.map { $0 + Float.random(in: -0.3...0.3, using: &random) } }
        }
        let landmarks = (0..<3).map { samples(directions[$0], 20) }
        let negatives = samples(directions[3], 40)
        var parameters = TrainingParameters()
        parameters.dimension = 8
        parameters.epochs = 12
        parameters.batchSize = 16
        parameters.lambda = 0.01
        let trainer = HeadTrainer(parameters: parameters)
        let regions = ["Europe", "FarEast", "Europe"]
        let first = trainer.train(landmarks: landmarks, regions: regions, negatives: negatives)
        let second = trainer.train(landmarks: landmarks, regions: regions, negatives: negatives)
        #expect(first.weight == second.weight && first.classifier == second.classifier, "same seed, same head")
        // The trained head tells the classes apart.
        var none: HeadModel.Gradients?
        let all = landmarks.flatMap { $0 } + negatives
        let labels = (0..<3).flatMap { Array(repeating: $0, count: 20) } + Array(repeating: 3, count: 40)
        let result = first.loss(
            features: all.flatMap { $0.map { $0 } }.chunkedUnit(32), labels: labels, lambda: 0, gradients: &none)
        #expect(Double(result.correct) / Double(labels.count) > 0.9, "accuracy \(result.correct)/\(labels.count)")
    }
}

extension Array where Element == Float {
    /// Every `width` values scaled to unit length, as the trainer does with features.
    func chunkedUnit(_ width: Int) -> [Float] {
        stride(from: 0, to: count, by: width).flatMap { start -> [Float] in
            let row = self[start..<(start + width)]
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return row.map { $0 / norm }
        }
    }
}
