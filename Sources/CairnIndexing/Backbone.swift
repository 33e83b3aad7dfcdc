import CairnInference

/// Loading the backbone the built-in recognizers share.
public enum Backbone {
    /// Loads the backbone and checks it on a grey image: a file that loads but gives non-finite outputs is refused.
    public static func load(_ path: String) throws(ModelError) -> EfficientNetLite0 {
        let model = try EfficientNetLite0(path: path)
        let size = EfficientNetLite0.inputSize
        let grey = BackboneInput.normalised([UInt8](repeating: 128, count: size * size * 3))
        let output = BackboneSession(model: model).run([grey])[0]
        guard output.logits.count == EfficientNetLite0.classCount,
            output.features.count == EfficientNetLite0.featureCount,
            output.logits.allSatisfy(\.isFinite), output.features.allSatisfy(\.isFinite)
        else {
            throw ModelError(path: path, message: "the model loads but gives non-finite outputs; the file is damaged")
        }
        return model
    }
}
