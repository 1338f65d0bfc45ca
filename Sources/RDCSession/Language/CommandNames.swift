// Layer: session (command language). Pure Swift, no I/O: the names of commands and of the
// choices their first word selects, so the executor can switch over them exhaustively.

/// Every command of the `.rdc` language. The registry declares one `CommandSpec` per case.
public enum CommandName: String, CaseIterable, Sendable {
    case data, model, pretrain, refine, selftrain, cluster, evaluate, diagnose, show, status, history
    case track, save, load, seed, threads, backend, help, reset, echo, clear, export
    case `let`
}

/// The data sets `data NAME` can load.
public enum DatasetName: String, CaseIterable, Sendable {
    case fashionMNIST = "fashion-mnist"
    case mnist, idx, csv, npz, cifar10, digits, synthetic
}

/// The pictures and tables `show KIND` can produce.
public enum ShowKind: String, CaseIterable, Sendable {
    case samples, reconstructions, interpolations, clusters, embedding, losses, metrics, confusion, kscan, kdistance
}

/// What `export WHAT FILE` can write.
public enum ExportKind: String, CaseIterable, Sendable {
    case embeddings, reconstructions, labels, history, model
}
