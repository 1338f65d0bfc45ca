// Layer: render. May use CPNG only; draws pictures of plain arrays, knows nothing of training.
