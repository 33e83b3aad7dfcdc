import CairnConfig
import CairnIndexing
import CairnRecognition
import Embeddings
import Landmarks
import SceneTagger

extension RecognizerRegistry {
    /// Every recognizer built into Cairn, one line each, in their default order: what the executables pass to
    /// `RecognitionPipeline` and, through `ConfigurationLoader.builtIn`, to the configuration loader.
    public static let builtIn = RecognizerRegistry([
        SceneTagger.builtIn,
        LandmarkRecognizer.builtIn,
        PhotoEmbedder.builtIn,
    ])
}

extension ConfigurationLoader {
    /// The loader for this build: recognizer sections are checked against the built-in recognizers' schemas.
    public static let builtIn = ConfigurationLoader(recognizers: RecognizerRegistry.builtIn.schemas)
}
