// Layer: session (command language). Pure Swift, no I/O: the one declaration of every command,
// its prose and its options. Options are declared as typed handles in Options/ (their defaults
// read from the method's settings) and listed here; the parser, help text, completion and
// inspection read this registry, and the executors read the same handles, so none can disagree.

import RDCMethod

/// The registry of every command of the `.rdc` language.
public enum CommandRegistry {
    /// Every command, in the order help lists them.
    public static let commands: [CommandSpec] = [
        dataCommand, modelCommand, pretrainCommand, refineCommand, selftrainCommand, clusterCommand, evaluateCommand,
        diagnoseCommand, showCommand, statusCommand, historyCommand, trackCommand, saveCommand, loadCommand,
        seedCommand, threadsCommand, backendCommand, helpCommand, resetCommand, echoCommand, clearCommand,
        exportCommand, letCommand,
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

    // MARK: Helpers

    private static func dataset(_ name: DatasetName, summary: String) -> ChoiceSpec {
        ChoiceSpec(name.rawValue, summary: summary, options: DataOptions.declarations(for: name))
    }

    private static func showKind(_ kind: ShowKind, summary: String) -> ChoiceSpec {
        ChoiceSpec(kind.rawValue, summary: summary, options: ShowOptions.declarations(for: kind))
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
                    dataset(.fashionMNIST, summary: "Fashion-MNIST: 70,000 grey 28×28 images of clothing, 10 classes."),
                    dataset(.mnist, summary: "MNIST: 70,000 grey 28×28 handwritten digits, 10 classes."),
                    dataset(.idx, summary: "Any pair of IDX files (images, optional labels)."),
                    dataset(.csv, summary: "A CSV file with one image per row."),
                    dataset(.npz, summary: "A NumPy .npz archive with MedMNIST keys (train_images, train_labels, ...)."),
                    dataset(.cifar10, summary: "CIFAR-10: 60,000 colour 32×32 images, 10 classes."),
                    dataset(.digits, summary: "scikit-learn's digits: 1,797 grey 8×8 digits, 10 classes."),
                    dataset(.synthetic, summary: "Generated blobs of noisy shapes, for trying things out."),
                ]))
        ],
        options: DataOptions.declarations)

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
        options: ModelOptions.declarations)

    private static let pretrainCommand = CommandSpec(
        .pretrain,
        summary: "Phase 1: train the autoencoder with the ACAI critic.",
        help: """
        Trains the autoencoder on reconstruction plus the adversarial interpolation term \
        (instance-level self-supervision). Calling it again continues from where it stopped. \
        Interrupt to stop after the current batch; the model keeps the last finished batch.
        """,
        example: "pretrain epochs=20 lr=0.001",
        options: PretrainOptions.declarations)

    private static let refineCommand = CommandSpec(
        .refine,
        summary: "Phase 2: proximity-level self-supervision with mutual nearest neighbours.",
        help: """
        Pulls each anchor's normalised embedding towards the centroid of its mutual M nearest \
        neighbours, keeping the reconstruction term. Neighbours and anchors are recomputed every \
        `refresh` epochs. Starts from the pretrained model with a fresh optimiser. `M=auto` lets \
        the data choose M at every refresh, without labels: `Mrule=jump` (the default) gives \
        each point the neighbours before its largest rank-weighted jump m·log(d(m+1)/d(m)) of \
        consecutive sorted distances (m between `Mmin` and `Mmax`, 3…20), `Mrule=ratio` before \
        the largest ratio and `Mrule=gap` before the largest difference (5…40); \
        `Mrule=stability` takes the M of 5, 10, 20, 40 whose mutual-neighbour graph agrees best \
        between two random subsamples. `status` and `history` report the M used.
        """,
        example: "refine epochs=20 M=10 q=0.9",
        options: RefineOptions.declarations)

    private static let selftrainCommand = CommandSpec(
        .selftrain,
        summary: "Phase 3, the ablation's other arm: DEC/IDEC pseudo-supervision.",
        help: """
        DEC's self-training on the current encoder: soft assignments of the embeddings to k \
        trainable centres (Student's t), trained towards their own sharpened distribution P by \
        KL(P‖Q); `gamma` above 0 adds the reconstruction term (IDEC). Centres start from k-means \
        on the current embeddings; P is recomputed every `update` batches, and training stops \
        early when fewer than `tol` of the assignments change between two updates. Afterwards \
        `cluster method=assignments` reads the clusters off the centres.
        """,
        example: "selftrain epochs=20 gamma=0.1",
        options: SelftrainOptions.declarations)

    private static let clusterCommand = CommandSpec(
        .cluster,
        summary: "Cluster the embeddings of all images.",
        help: """
        Embeds every image and clusters the embeddings: k-means (k-means++ seeding, best of \
        `restarts` runs by inertia), a Gaussian mixture with diagonal or full covariances, or \
        DBSCAN when the number of clusters is unknown (`eps`, `minpts`). `space=umap` first lays \
        the raw embeddings out by UMAP, as N2D does in `dims` dimensions (fuzzy graph of `neighbours` \
        exact nearest neighbours, spectral start, SGD) and clusters the layout, by default with a \
        full-covariance mixture as N2D does (it read Fashion-MNIST better than k-means there). When K is \
        unknown: `k=auto` runs k-means for every K from `kmin` to `kmax` and keeps the best by \
        `criterion` (mean silhouette, or the gap statistic), printing the table (`show kscan` \
        plots it); `method=dbscan eps=auto` takes eps at the knee of the sorted distances to each \
        point's `minpts`-th nearest point (`show kdistance` plots it).
        """,
        example: "cluster k=auto kmax=15 criterion=gap",
        options: ClusterOptions.declarations)

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
        summary: "Measure feature twist, drift and randomness.",
        help: """
        Twist: mean Jaccard overlap of each point's M-nearest-neighbour set between the \
        embedding at the end of Phase 1 and now (1 = local geometry kept). Drift: 1 − ARI \
        between the current clustering and the previous one. Randomness: the share of the last \
        phase's training targets that point the wrong way (Phase 2: kept mutual neighbours with \
        another label; self-training: pseudo-labels that miss the true label, or without labels \
        the assignments that changed at the last target update).
        """,
        example: "diagnose M=10",
        options: DiagnoseOptions.declarations)

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
                    showKind(.samples, summary: "A grid of images from the data set."),
                    showKind(.reconstructions, summary: "Images above their reconstructions."),
                    showKind(.interpolations, summary: "Decoded interpolations between pairs of images."),
                    showKind(.clusters, summary: "Members of each cluster, one row per cluster."),
                    showKind(.embedding, summary: "A 2-D projection of the embeddings (PCA, or UMAP with space=umap)."),
                    showKind(.losses, summary: "Loss curves of every training run so far."),
                    showKind(.metrics, summary: "Tracked scores and feature problems over every phase."),
                    showKind(.confusion, summary: "Confusion matrix of clusters against labels."),
                    showKind(.kscan, summary: "The score of each K of the last `cluster k=auto`, the choice marked."),
                    showKind(.kdistance, summary: "The sorted minpts-distances of the last `eps=auto`, the knee marked."),
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

    private static let trackCommand = CommandSpec(
        .track,
        summary: "Measure clusterings and the feature problems every N epochs of training.",
        help: """
        Sets the session's default for `track=` on `pretrain`, `refine` and `selftrain`: every \
        N epochs the call embeds all images, runs k-means (a few restarts) on the normalised \
        embeddings and records ACC/NMI/ARI (with labels), inertia, silhouette and the three \
        feature problems — twist (M-NN overlap with the phase's start), drift (1 − ARI with the \
        previous tracked clustering) and randomness (training targets that point the wrong \
        way). `history` lists them, `show metrics` plots them, `export history` writes them. \
        `track every=0` turns it off.
        """,
        example: "track every=2",
        options: TrackOptions.declarations)

    private static let saveCommand = CommandSpec(
        .save,
        summary: "Save the model, optimiser state, training history and clustering to a file.",
        help: "Writes a checkpoint that `load` restores: the model's weights, the optimisers' state, the clustering and the history. The data are not saved: load the same data before `load`.",
        example: "save \"runs/fashion phase1.ckpt\"",
        positionals: [SessionCommandOptions.saveFile.spec])

    private static let loadCommand = CommandSpec(
        .load,
        summary: "Restore a session saved with `save`.",
        help: "Replaces the session's model, training history and clustering with the checkpoint's. The data set is not in the checkpoint: load the data it was trained on first (its image shape must match the model's input).",
        example: "load runs/phase1.ckpt",
        positionals: [SessionCommandOptions.loadFile.spec])

    private static let seedCommand = CommandSpec(
        .seed,
        summary: "Set the session's random seed.",
        help: "Every random choice after this (initial weights, batches, subsets, k-means seeding) follows from this seed: the same seed gives the same numbers.",
        example: "seed 42",
        positionals: [SessionCommandOptions.seed.spec])

    private static let threadsCommand = CommandSpec(
        .threads,
        summary: "Set the number of threads used by the numeric library.",
        help: "Sets how many threads training, embedding and clustering compute on. More threads than cores slows training down.",
        example: "threads 2",
        positionals: [SessionCommandOptions.threads.spec])

    private static let backendCommand = CommandSpec(
        .backend,
        summary: "Choose the implementation of the convolutions: oneDNN or the reference.",
        help: "`onednn` (the default) runs convolutions on oneDNN's kernels; `reference` on im2col and OpenBLAS, the slower implementation the tests check oneDNN against. Without a name, shows the current choice, the instruction set oneDNN uses and the kernels it picked.",
        example: "backend reference",
        positionals: [SessionCommandOptions.backend.spec])

    private static let helpCommand = CommandSpec(
        .help,
        summary: "Show the list of commands, or the help of one command.",
        help: "Without a command, lists every command with its summary. With one, shows its usage, options (type, default, range) and an example. `?COMMAND` or `COMMAND?` shows the same help in the notebook's pager.",
        example: "help refine",
        positionals: [SessionCommandOptions.helpTopic.spec])

    private static let resetCommand = CommandSpec(
        .reset,
        summary: "Forget everything: data, model, clustering, history.",
        help: "Returns the session to its state at start-up (the seed, the thread count and the variables stay).",
        example: "reset")

    private static let echoCommand = CommandSpec(
        .echo,
        summary: "Print text.",
        help: "Prints the words after `echo`, joined by single spaces; quote them to keep spacing or to print `=` and `#`.",
        example: "echo \"phase 1 done\" stream=stderr",
        positionals: [SessionCommandOptions.echoText.spec],
        options: [SessionCommandOptions.echoStream.spec])

    private static let clearCommand = CommandSpec(
        .clear,
        summary: "Clear the cell's output.",
        help: "Clears what the cell has shown so far (a notebook's clear_output; a no-op at a terminal).",
        example: "clear")

    private static let letCommand = CommandSpec(
        .let,
        summary: "Define a variable for later values: `let epochs = 20`, then `pretrain epochs=$epochs`.",
        help: """
        Gives a name to a value. Anywhere a value is accepted, `$NAME` (or `${NAME}` inside a \
        word, as in `runs/${name}.ckpt`) stands for it, and is checked exactly as if the value \
        had been written there. A later `let` of the same name replaces it; `reset` keeps \
        variables; `status` lists them. Quoted values keep a `$` literal. papermill's \
        injected parameters cell is made of `let` lines.
        """,
        example: "let epochs = 20",
        positionals: [SessionCommandOptions.variableName.spec, SessionCommandOptions.variableValue.spec])

    private static let exportCommand = CommandSpec(
        .export,
        summary: "Write embeddings, reconstructions, cluster labels, the training history or the trained model to a file.",
        help: "Writes the embeddings of all images (N×L, float32), their reconstructions (N×C·H·W, float32, each row an image in C, H, W order) or the cluster labels (N, int64) as a NumPy .npy file or a CSV file, for numpy or pandas; the training history (one row per epoch: losses, seconds and tracked measures) as a CSV file; or a part of the trained model as an ONNX model (.onnx: opset 17, input `images` [N, C, H, W] or `embeddings` [N, L] with a dynamic batch N, for onnxruntime, TensorRT or onnx2torch) or as its weights under PyTorch names (.safetensors, for `rdc_jupyter.torch_model`).",
        example: "export model encoder.onnx part=encoder",
        positionals: [
            PositionalSpec(
                "what", placeholder: "WHAT", noun: "export kind",
                help: "What to write.",
                kind: .choice([
                    ChoiceSpec(ExportKind.embeddings.rawValue, summary: "The embedding of every image (N×L)."),
                    ChoiceSpec(ExportKind.reconstructions.rawValue, summary: "The reconstruction of every image (N×C·H·W)."),
                    ChoiceSpec(ExportKind.labels.rawValue, summary: "The cluster of every image (N)."),
                    ChoiceSpec(ExportKind.history.rawValue, summary: "Every epoch's losses and tracked measures (.csv)."),
                    ChoiceSpec(ExportKind.model.rawValue, summary: "A trained network (.onnx or .safetensors).",
                               options: [SessionCommandOptions.exportPart.spec]),
                ])),
            SessionCommandOptions.exportFile.spec,
        ])
}
