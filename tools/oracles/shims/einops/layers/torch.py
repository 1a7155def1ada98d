import torch.nn as nn
from .. import rearrange as _rearrange


class Rearrange(nn.Module):
    def __init__(self, pattern, **axes):
        super().__init__()
        self.pattern, self.axes = pattern, axes

    def forward(self, x):
        return _rearrange(x, self.pattern, **self.axes)
