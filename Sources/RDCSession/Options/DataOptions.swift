// Layer: session (command options). May use RDCMethod's data types; no I/O. The options of
// `data NAME`, per data set, declared once for the registry and read by the loader dispatch.

import RDCMethod

extension DatasetName: ChoiceWord {}
extension DatasetSplit: ChoiceWord {}
extension CSVLabelColumn: ChoiceWord {}

/// What `data fashion-mnist` does when the files are absent.
enum MissingDataFallback: String, ChoiceWord {
    /// Fail with the loader's error.
    case none
    /// Load synthetic 28×28 shapes instead.
    case synthetic
}

/// The options of `data`, common and per data set.
enum DataOptions {
    // Common to every data set.
    static let limit = OptionKey("limit", .integer(0...Int.max), default: 0,
                              help: "Keep at most this many images, a random subset (0 = all).")
    static let seed = OptionalOptionKey("seed", .integer(SessionOptions.seedRange), computed: "the session seed",
                                     help: "Seed of the random subset (and of synthetic data).")
    static let declarations = [limit.spec, seed.spec]

    /// `split=` among the parts a data set is published in.
    static func split(among parts: [DatasetSplit]) -> OptionKey<DatasetSplit> {
        OptionKey("split", .choice(among: parts), default: .all, help: "Which part of the data set to load.")
    }
    static let trainTestSplit = split(among: [.train, .test, .all])
    static let trainValidationTestSplit = split(among: [.train, .val, .test, .all])

    // fashion-mnist
    static let fashionMNISTFolder = OptionKey("path", .directory, default: Dataset.debianFashionMNISTDirectory,
                                           help: "Folder holding the four IDX files (the Debian package's folder by default).")
    static let fallback = OptionKey("fallback", .choice, default: MissingDataFallback.none,
                                 help: "When the files are absent: fail (none) or load 28×28 synthetic shapes instead.")
    // mnist, cifar10
    static let mnistFolder = OptionKey(required: "path", .directory, help: "Folder holding the four IDX files.")
    static let cifarFolder = OptionKey(required: "path", .directory,
                                    help: "Folder holding the binary batches (data_batch_1.bin ... test_batch.bin).")
    // idx
    static let idxImages = OptionKey(required: "images", .file(), help: "IDX file of images (idx3-ubyte, gzipped or not).")
    static let idxLabels = OptionalOptionKey("labels", .file(), computed: "none: no labels", help: "IDX file of labels (idx1-ubyte).")
    // csv
    static let csvFile = OptionKey(required: "path", .file(), help: "The CSV file (gzipped or not).")
    static let csvLabel = OptionKey("label", .choice, default: CSVLabelColumn.last, help: "Which column holds the label.")
    static let csvShape = OptionalOptionKey("shape", .shape, computed: "flat: one channel of all values",
                                         help: "Image shape channels x height x width, e.g. 1x8x8.")
    static let csvScale = OptionalOptionKey("scale", ValueCodec<Float>.decimal(.above(0)), computed: "the largest value in the file",
                                         help: "Divide every value by this.")
    // npz
    static let npzFile = OptionKey(required: "path", .file(), help: "The .npz file.")
    // digits
    static let digitsFile = OptionalOptionKey("path", .file(), computed: "scikit-learn's digits.csv.gz found in site-packages",
                                           help: "The digits CSV file.")
    // synthetic
    static let syntheticCount = OptionKey("n", .integer(SyntheticShape.countRange), default: 2000, help: "Number of images.")
    static let syntheticClasses = OptionKey("classes", .integer(SyntheticShape.classRange), default: 4, help: "Number of classes.")
    static let syntheticSize = OptionKey("size", .integer(SyntheticShape.sizeRange), default: 28,
                                      help: "Image width and height in pixels.")
    static let syntheticNoise = OptionKey("noise", ValueCodec<Float>.decimal(.from(0, to: 10)), default: 0.1,
                                       help: "Standard deviation of the added Gaussian noise.")

    /// The options each data set accepts besides the common ones.
    static func declarations(for name: DatasetName) -> [OptionSpec] {
        switch name {
        case .fashionMNIST: return [fashionMNISTFolder.spec, trainTestSplit.spec, fallback.spec]
        case .mnist: return [mnistFolder.spec, trainTestSplit.spec]
        case .idx: return [idxImages.spec, idxLabels.spec]
        case .csv: return [csvFile.spec, csvLabel.spec, csvShape.spec, csvScale.spec]
        case .npz: return [npzFile.spec, trainValidationTestSplit.spec]
        case .cifar10: return [cifarFolder.spec, trainTestSplit.spec]
        case .digits: return [digitsFile.spec]
        case .synthetic: return [syntheticCount.spec, syntheticClasses.spec, syntheticSize.spec, syntheticNoise.spec]
        }
    }
}
