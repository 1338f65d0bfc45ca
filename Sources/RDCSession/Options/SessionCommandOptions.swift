// Layer: session (command options). No I/O. The positionals and options of the commands about
// the session itself (save, load, seed, threads, backend, help, echo, export), declared once.

import ModelExchange
import NumericCore

extension ExportKind: ChoiceWord {}
extension StandardStream: ChoiceWord {}
extension CommandName: ChoiceWord {}
extension ConvolutionBackend: ChoiceWord {}
extension ModelPart: ChoiceWord {}

/// Positionals and options of the session commands.
enum SessionCommandOptions {
    static let saveFile = PositionalKey("file", placeholder: "FILE", noun: "file name",
                                     help: "The checkpoint file to write.", .file())
    static let loadFile = PositionalKey("file", placeholder: "FILE", noun: "file name",
                                     help: "The checkpoint file to read.", .file())
    static let seed = PositionalKey("seed", placeholder: "N", noun: "seed", help: "The seed.",
                                 .integer(SessionOptions.seedRange))
    static let threads = PositionalKey("count", placeholder: "N", noun: "number of threads", help: "Compute threads.",
                                    .integer(SessionOptions.threadRange))
    static let backend = PositionalKey("name", placeholder: "NAME", noun: "convolution backend", help: "onednn or reference.",
                                       ValueCodec<ConvolutionBackend>.choice, isRequired: false)
    static let helpTopic = PositionalKey("command", placeholder: "COMMAND", noun: "command name",
                                      help: "The command to describe.", ValueCodec<CommandName>.choice, isRequired: false)
    static let echoText = PositionalKey("text", placeholder: "TEXT", noun: "message", help: "The text to print.",
                                     .text, collectsRest: true)
    static let echoStream = OptionKey("stream", .choice, default: StandardStream.stdout, help: "The stream to print on.")
    static let variableName = PositionalKey("name", placeholder: "NAME", noun: "variable name",
                                            help: "The variable's name: letters, digits and _, not starting with a digit.", .text)
    static let variableValue = PositionalKey("value", placeholder: "= VALUE", noun: "value",
                                             help: "Its value, checked where `$NAME` is used as if written there.", .text)
    static let exportFile = PositionalKey("file", placeholder: "FILE", noun: "file name", help: "The file to write.",
                                       .file(extensions: [".npy", ".csv"] + ModelFileFormat.allCases.map(\.fileExtension)))
    static let exportPart = OptionKey("part", .choice, default: ModelPart.encoder,
                                      help: "The network to write: images → embeddings (encoder), embeddings → images (decoder), images → images (autoencoder), or images → the ACAI critic's score (critic).")
}
