// Layer: session (command language). Pure Swift, no I/O: the one declaration of every command
// and option. The parser, help text, completion and inspection all read it, so they cannot
// disagree; the executor reads option defaults from it through `Invocation`.

/// The registry of every command of the `.rdc` language.
public enum CommandRegistry {
    /// Every command, in the order help lists them.
    public static let commands: [CommandSpec] = [
        dataCommand, modelCommand, pretrainCommand, refineCommand, clusterCommand, evaluateCommand,
        diagnoseCommand, showCommand, statusCommand, historyCommand, saveCommand, loadCommand,
        seedCommand, threadsCommand, backendCommand, helpCommand, resetCommand, echoCommand, clearCommand,
        exportCommand,
    ]

    /// The declaration of `name`.
    public static func spec(for name: CommandName) -> CommandSpec {
        guard let spec = commands.first(where: { $0.name == name }) else {
            preconditionFailure("the registry declares no command `\(name.rawValue)`")
        }
        return spec
    }

    /// The declaration of the command written `word`, if there is one.
    public static func spec(named word: String) -> CommandSpec? {
        CommandName(rawValue: word).map(spec(for:))
    }

    // MARK: Shared option declarations

    private static let epochRange = 1...100_000
    private static let learningRate = OptionSpec(
        "lr", .decimal(.above(0, upTo: 1)), default: .value(.decimal(0.001)),
        help: "Adam learning rate.")
    private static let batchSize = OptionSpec(
        "batch", .integer(1...65_536), default: .value(.integer(256)),
        help: "Images per mini-batch.")
    private static let neighbours = OptionSpec(
        "M", .integer(1...1000), default: .value(.integer(10)),
        help: "Nearest neighbours per point (itself excluded).")

    private static func split(_ choices: [String]) -> OptionSpec {
        OptionSpec("split", .oneOf(choices), default: .value(.word("all")),
                   help: "Which part of the data set to load.")
    }

    private static func dataset(_ name: DatasetName, summary: String, options: [OptionSpec]) -> ChoiceSpec {
        ChoiceSpec(name.rawValue, summary: summary, options: options)
    }

    private static func showKind(_ kind: ShowKind, summary: String, options: [OptionSpec] = []) -> ChoiceSpec {
        ChoiceSpec(kind.rawValue, summary: summary, options: options)
    }

    // MARK: Commands

    private static let dataCommand = CommandSpec(
        .data,
        summary: "Load a data set into the session.",
        help: """
        Loads images (and labels, when the data set has them) into the session, replacing any \
        data loaded before. Values are scaled to 0…1. Files may be gzipped. `limit` keeps a \
        random subset chosen with `seed`, the same subset for the same seed.
        """,
        example: "data fashion-mnist split=train limit=10000",
        positionals: [
            PositionalSpec(
                "dataset", placeholder: "NAME", noun: "dataset name",
                help: "The data set to load.",
                kind: .choice([
                    dataset(.fashionMNIST, summary: "Fashion-MNIST: 70,000 grey 28×28 images of clothing, 10 classes.", options: [
                        OptionSpec("path", .directory, default: .value(.path("/usr/share/datasets/fashion-mnist")),
                                   help: "Folder holding the four IDX files (the Debian package's folder by default)."),
                        split(["train", "test", "all"]),
                        OptionSpec("fallback", .oneOf(["none", "synthetic"]), default: .value(.word("none")),
                                   help: "When the files are absent: fail (none) or load 28×28 synthetic shapes instead."),
                    ]),
                    dataset(.mnist, summary: "MNIST: 70,000 grey 28×28 handwritten digits, 10 classes.", options: [
                        OptionSpec("path", .directory, default: .required,
                                   help: "Folder holding the four IDX files."),
                        split(["train", "test", "all"]),
                    ]),
                    dataset(.idx, summary: "Any pair of IDX files (images, optional labels).", options: [
                        OptionSpec("images", .file(extensions: []), default: .required,
                                   help: "IDX file of images (idx3-ubyte, gzipped or not)."),
                        OptionSpec("labels", .file(extensions: []), default: .computed("none: no labels"),
                                   help: "IDX file of labels (idx1-ubyte)."),
                    ]),
                    dataset(.csv, summary: "A CSV file with one image per row.", options: [
                        OptionSpec("path", .file(extensions: []), default: .required,
                                   help: "The CSV file (gzipped or not)."),
                        OptionSpec("label", .oneOf(["first", "last", "none"]), default: .value(.word("last")),
                                   help: "Which column holds the label."),
                        OptionSpec("shape", .shape, default: .computed("flat: one channel of all values"),
                                   help: "Image shape channels x height x width, e.g. 1x8x8."),
                        OptionSpec("scale", .decimal(.above(0)), default: .computed("the largest value in the file"),
                                   help: "Divide every value by this."),
                    ]),
                    dataset(.npz, summary: "A NumPy .npz archive with MedMNIST keys (train_images, train_labels, ...).", options: [
                        OptionSpec("path", .file(extensions: []), default: .required,
                                   help: "The .npz file."),
                        split(["train", "val", "test", "all"]),
                    ]),
                    dataset(.cifar10, summary: "CIFAR-10: 60,000 colour 32×32 images, 10 classes.", options: [
                        OptionSpec("path", .directory, default: .required,
                                   help: "Folder holding the binary batches (data_batch_1.bin ... test_batch.bin)."),
                        split(["train", "test", "all"]),
                    ]),
                    dataset(.digits, summary: "scikit-learn's digits: 1,797 grey 8×8 digits, 10 classes.", options: [
                        OptionSpec("path", .file(extensions: []),
                                   default: .computed("scikit-learn's digits.csv.gz found in site-packages"),
                                   help: "The digits CSV file."),
                    ]),
                    dataset(.synthetic, summary: "Generated blobs of noisy shapes, for trying things out.", options: [
                        OptionSpec("n", .integer(1...1_000_000), default: .value(.integer(2000)),
                                   help: "Number of images."),
                        OptionSpec("classes", .integer(2...100), default: .value(.integer(4)),
                                   help: "Number of classes."),
                        OptionSpec("size", .integer(4...256), default: .value(.integer(28)),
                                   help: "Image width and height in pixels."),
                        OptionSpec("noise", .decimal(.from(0, to: 10)), default: .value(.decimal(0.1)),
                                   help: "Standard deviation of the added Gaussian noise."),
                    ]),
                ]))
        ],
        options: [
            OptionSpec("limit", .integer(0...Int.max), default: .value(.integer(0)),
                       help: "Keep at most this many images, a random subset (0 = all)."),
            OptionSpec("seed", .integer(0...Int(UInt32.max)), default: .computed("the session seed"),
                       help: "Seed of the random subset (and of synthetic data)."),
        ])

    private static let modelCommand = CommandSpec(
        .model,
        summary: "Build the encoder, decoder and critic.",
        help: """
        Builds a fresh autoencoder and ACAI critic for the loaded data, replacing any model \
        built before. `dense` flattens the input (encoder d–500–500–2000–L); `conv` keeps the \
        image shape (three strided convolutions, then dense to L).
        """,
        example: "model conv latent=10",
        positionals: [
            PositionalSpec(
                "kind", placeholder: "KIND", noun: "model kind",
                help: "The architecture.",
                kind: .choice([
                    ChoiceSpec(ModelKind.dense.rawValue, summary: "Fully connected d–500–500–2000–L (DEC/IDEC)."),
                    ChoiceSpec(ModelKind.conv.rawValue, summary: "Convolutional 32–64–128 then dense to L (DCEC)."),
                ]))
        ],
        options: [
            OptionSpec("latent", .integer(1...1024), default: .value(.integer(10)),
                       help: "Size L of the embedding."),
        ])

    private static let pretrainCommand = CommandSpec(
        .pretrain,
        summary: "Phase 1: train the autoencoder with the ACAI critic.",
        help: """
        Trains the autoencoder on reconstruction plus the adversarial interpolation term \
        (instance-level self-supervision). Calling it again continues from where it stopped. \
        Interrupt to stop after the current batch; the model keeps the last finished batch.
        """,
        example: "pretrain epochs=20 lr=0.001",
        options: [
            OptionSpec("epochs", .integer(epochRange), default: .value(.integer(10)),
                       help: "Passes over the data."),
            batchSize,
            learningRate,
            OptionSpec("critic", .toggle, default: .value(.toggle(true)),
                       help: "Train with the ACAI critic and its regulariser."),
            OptionSpec("lambda", .decimal(.atLeast(0)), default: .value(.decimal(0.5)),
                       help: "Weight of the critic term in the autoencoder's loss."),
            OptionSpec("gamma", .decimal(.from(0, to: 1)), default: .value(.decimal(0.2)),
                       help: "Mixing weight of the critic's regulariser on reconstructions."),
        ])

    private static let refineCommand = CommandSpec(
        .refine,
        summary: "Phase 2: proximity-level self-supervision with mutual nearest neighbours.",
        help: """
        Pulls each anchor's normalised embedding towards the centroid of its mutual M nearest \
        neighbours, keeping the reconstruction term. Neighbours and anchors are recomputed every \
        `refresh` epochs. Starts from the pretrained model with a fresh optimiser.
        """,
        example: "refine epochs=20 M=10 q=0.9",
        options: [
            OptionSpec("epochs", .integer(epochRange),
                       default: .computed("20, or 5 when the data set has 50,000 images or more"),
                       help: "Passes over the data."),
            neighbours,
            OptionSpec("beta", .decimal(.atLeast(0)),
                       default: .computed("10·d/L (d input values, L latent size)"),
                       help: "Weight of the proximity term."),
            OptionSpec("q", .decimal(.above(0, upTo: 1)), default: .value(.decimal(0.9)),
                       help: "Quantile of neighbour distances below which a point is an anchor."),
            OptionSpec("refresh", .integer(epochRange), default: .value(.integer(1)),
                       help: "Epochs between recomputations of neighbours and targets."),
            learningRate,
            batchSize,
            OptionSpec("critic", .toggle, default: .value(.toggle(false)),
                       help: "Keep the ACAI critic term (about twice the time)."),
        ])

    private static let clusterCommand = CommandSpec(
        .cluster,
        summary: "Cluster the embeddings of all images.",
        help: """
        Embeds every image and clusters the embeddings: k-means (k-means++ seeding, best of \
        `restarts` runs by inertia), a Gaussian mixture with diagonal covariances, or DBSCAN \
        when the number of clusters is unknown (`eps`, `minpts`).
        """,
        example: "cluster k=10 method=kmeans restarts=20",
        options: [
            OptionSpec("k", .integer(1...10_000), default: .computed("the number of label classes, else 10"),
                       help: "Number of clusters (kmeans, gmm)."),
            OptionSpec("method", .oneOf(["kmeans", "gmm", "dbscan"]), default: .value(.word("kmeans")),
                       help: "Clustering algorithm."),
            OptionSpec("restarts", .integer(1...1000), default: .value(.integer(20)),
                       help: "Independent runs; the best by inertia (or likelihood) is kept."),
            OptionSpec("space", .oneOf(["normalized", "raw"]), default: .value(.word("normalized")),
                       help: "Cluster L2-normalised embeddings or the raw ones."),
            OptionSpec("eps", .decimal(.above(0)), default: .value(.decimal(0.5)),
                       help: "Neighbourhood radius (dbscan)."),
            OptionSpec("minpts", .integer(1...10_000), default: .value(.integer(5)),
                       help: "Neighbours that make a core point (dbscan)."),
        ])

    private static let evaluateCommand = CommandSpec(
        .evaluate,
        summary: "Score the clustering: ACC, NMI, ARI, F1-macro, F1-micro.",
        help: """
        Compares the last clustering with the labels (ACC and F1 after the best one-to-one \
        mapping by the Hungarian method). Without labels, reports inertia and silhouette.
        """,
        example: "evaluate")

    private static let diagnoseCommand = CommandSpec(
        .diagnose,
        summary: "Measure feature twist and drift.",
        help: """
        Twist: mean Jaccard overlap of each point's M-nearest-neighbour set between the \
        embedding at the end of Phase 1 and now (1 = local geometry kept). Drift: 1 − ARI \
        between the current clustering and the previous one.
        """,
        example: "diagnose M=10",
        options: [neighbours])

    private static let showCommand = CommandSpec(
        .show,
        summary: "Show pictures and tables of the data, model and clusters.",
        help: """
        Draws a picture (or a table) of the session's current state. Pictures are PNG images \
        in a notebook and files in the output folder at a terminal.
        """,
        example: "show reconstructions count=10",
        positionals: [
            PositionalSpec(
                "kind", placeholder: "KIND", noun: "kind",
                help: "What to show.",
                kind: .choice([
                    showKind(.samples, summary: "A grid of images from the data set.", options: [
                        OptionSpec("count", .integer(1...1024), default: .value(.integer(32)),
                                   help: "Number of images."),
                        OptionSpec("columns", .integer(1...64), default: .value(.integer(8)),
                                   help: "Images per row."),
                    ]),
                    showKind(.reconstructions, summary: "Images above their reconstructions.", options: [
                        OptionSpec("count", .integer(1...256), default: .value(.integer(10)),
                                   help: "Number of image pairs."),
                    ]),
                    showKind(.interpolations, summary: "Decoded interpolations between pairs of images.", options: [
                        OptionSpec("pairs", .integer(1...64), default: .value(.integer(4)),
                                   help: "Number of image pairs (rows)."),
                        OptionSpec("steps", .integer(2...64), default: .value(.integer(9)),
                                   help: "Images per row, both ends included."),
                    ]),
                    showKind(.clusters, summary: "Members of each cluster, one row per cluster.", options: [
                        OptionSpec("members", .integer(1...100), default: .value(.integer(10)),
                                   help: "Images per cluster."),
                    ]),
                    showKind(.embedding, summary: "A 2-D projection (PCA) of the embeddings.", options: [
                        OptionSpec("color", .oneOf(["cluster", "label"]), default: .value(.word("cluster")),
                                   help: "Colour points by cluster or by true label."),
                        OptionSpec("points", .integer(1...100_000), default: .value(.integer(2000)),
                                   help: "Number of points drawn (a random sample)."),
                    ]),
                    showKind(.losses, summary: "Loss curves of every training run so far."),
                    showKind(.confusion, summary: "Confusion matrix of clusters against labels."),
                ]))
        ])

    private static let statusCommand = CommandSpec(
        .status,
        summary: "Describe the session: data, model, training so far, clustering.",
        help: "Prints what the session holds now: the data set and its shape, the model, epochs trained in each phase, the last clustering and its scores.",
        example: "status")

    private static let historyCommand = CommandSpec(
        .history,
        summary: "List every training epoch so far with its losses.",
        help: "Prints, in order, every finished epoch of both phases with its mean losses and its time, as a table.",
        example: "history")

    private static let saveCommand = CommandSpec(
        .save,
        summary: "Save the model, optimiser state, training history and clustering to a file.",
        help: "Writes a checkpoint that `load` restores: the model's weights, the optimisers' state, the clustering and the history. The data are not saved: load the same data before `load`.",
        example: "save \"runs/fashion phase1.ckpt\"",
        positionals: [
            PositionalSpec("file", placeholder: "FILE", noun: "file name",
                           help: "The checkpoint file to write.", kind: .value(.file(extensions: [])))
        ])

    private static let loadCommand = CommandSpec(
        .load,
        summary: "Restore a session saved with `save`.",
        help: "Replaces the session's model, training history and clustering with the checkpoint's. The data set is not in the checkpoint: load the data it was trained on first (its image shape must match the model's input).",
        example: "load runs/phase1.ckpt",
        positionals: [
            PositionalSpec("file", placeholder: "FILE", noun: "file name",
                           help: "The checkpoint file to read.", kind: .value(.file(extensions: [])))
        ])

    private static let seedCommand = CommandSpec(
        .seed,
        summary: "Set the session's random seed.",
        help: "Every random choice after this (initial weights, batches, subsets, k-means seeding) follows from this seed: the same seed gives the same numbers.",
        example: "seed 42",
        positionals: [
            PositionalSpec("seed", placeholder: "N", noun: "seed",
                           help: "The seed.", kind: .value(.integer(0...Int(UInt32.max))))
        ])

    private static let threadsCommand = CommandSpec(
        .threads,
        summary: "Set the number of threads used by the numeric library.",
        help: "Sets how many threads training, embedding and clustering compute on. More threads than cores slows training down.",
        example: "threads 2",
        positionals: [
            PositionalSpec("count", placeholder: "N", noun: "number of threads",
                           help: "Threads for BLAS.", kind: .value(.integer(1...1024)))
        ])

    private static let backendCommand = CommandSpec(
        .backend,
        summary: "Choose the implementation of the convolutions: oneDNN or the reference.",
        help: "`onednn` (the default) runs convolutions on oneDNN's kernels; `reference` on im2col and OpenBLAS, the slower implementation the tests check oneDNN against. Without a name, shows the current choice, the instruction set oneDNN uses and the kernels it picked.",
        example: "backend reference",
        positionals: [
            PositionalSpec("name", placeholder: "NAME", noun: "convolution backend",
                           help: "onednn or reference.",
                           kind: .value(.oneOf(ConvolutionBackend.allCases.map(\.rawValue))), isRequired: false)
        ])

    private static let helpCommand = CommandSpec(
        .help,
        summary: "Show the list of commands, or the help of one command.",
        help: "Without a command, lists every command with its summary. With one, shows its usage, options (type, default, range) and an example. `?COMMAND` or `COMMAND?` shows the same help in the notebook's pager.",
        example: "help refine",
        positionals: [
            PositionalSpec("command", placeholder: "COMMAND", noun: "command name",
                           help: "The command to describe.",
                           kind: .value(.oneOf(CommandName.allCases.map(\.rawValue))), isRequired: false)
        ])

    private static let resetCommand = CommandSpec(
        .reset,
        summary: "Forget everything: data, model, clustering, history.",
        help: "Returns the session to its state at start-up (the seed and thread count stay).",
        example: "reset")

    private static let echoCommand = CommandSpec(
        .echo,
        summary: "Print text.",
        help: "Prints the words after `echo`, joined by single spaces; quote them to keep spacing or to print `=` and `#`.",
        example: "echo \"phase 1 done\" stream=stderr",
        positionals: [
            PositionalSpec("text", placeholder: "TEXT", noun: "message",
                           help: "The text to print.", kind: .value(.text), collectsRest: true)
        ],
        options: [
            OptionSpec("stream", .oneOf(["stdout", "stderr"]), default: .value(.word("stdout")),
                       help: "The stream to print on."),
        ])

    private static let clearCommand = CommandSpec(
        .clear,
        summary: "Clear the cell's output.",
        help: "Clears what the cell has shown so far (a notebook's clear_output; a no-op at a terminal).",
        example: "clear")

    private static let exportCommand = CommandSpec(
        .export,
        summary: "Write embeddings or cluster labels to a .npy or .csv file.",
        help: "Writes the embeddings of all images (N×L, float32) or the cluster labels (N, int64) as a NumPy .npy file or a CSV file, for numpy or pandas.",
        example: "export embeddings embeddings.npy",
        positionals: [
            PositionalSpec(
                "what", placeholder: "WHAT", noun: "export kind",
                help: "What to write.",
                kind: .choice([
                    ChoiceSpec(ExportKind.embeddings.rawValue, summary: "The embedding of every image (N×L)."),
                    ChoiceSpec(ExportKind.labels.rawValue, summary: "The cluster of every image (N)."),
                ])),
            PositionalSpec("file", placeholder: "FILE", noun: "file name",
                           help: "The file to write.", kind: .value(.file(extensions: [".npy", ".csv"]))),
        ])
}
