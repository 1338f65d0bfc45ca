// Layer: Jupyter front end. May use CZMQ and Crypto; knows nothing of R-DC or tensors.
