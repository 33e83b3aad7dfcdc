import CairnConfig
import CairnImaging

extension BackboneConfiguration.Framing {
    /// The configured framing as the imaging module's.
    public var imaging: DecodedImage.Framing {
        switch self {
        case .centerCrop: .centerCrop
        case .squash: .squash
        }
    }
}

extension WatchConfiguration {
    /// The configured decode budget (`watch.max-decode-mb`) as the imaging module's.
    public var decodeBudget: DecodeBudget { DecodeBudget(maxBytes: maxDecodeMB << 20) }
}
