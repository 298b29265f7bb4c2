"""The PyTorch model the README reads as a checkpoint: examples/translator.pt (a state_dict),
examples/translator.safetensors and examples/translator.onnx, saved by real torch."""

from __future__ import annotations

from pathlib import Path


def build():
    import torch
    from torch import nn

    class Translator(nn.Module):
        """A small encoder-decoder with attention: an LSTM encoder, a GRU decoder."""

        def __init__(self, vocab: int = 100, embed: int = 16, hidden: int = 16):
            super().__init__()
            self.embedding = nn.Embedding(vocab, embed)
            self.encoder = nn.LSTM(embed, hidden, batch_first=True, bidirectional=True)
            self.decoder = nn.GRU(embed, 2 * hidden, batch_first=True)
            self.attention = nn.MultiheadAttention(2 * hidden, 2, batch_first=True)
            self.norm = nn.LayerNorm(2 * hidden)
            self.out = nn.Linear(2 * hidden, vocab)

        def forward(self, source, target):
            memory, _ = self.encoder(self.embedding(source))
            state, _ = self.decoder(self.embedding(target))
            context, _ = self.attention(state, memory, memory)
            return self.out(self.norm(state + context))

    torch.manual_seed(0)
    return Translator().eval()


def save(folder: Path) -> list[Path]:
    import torch
    from safetensors.torch import save_file

    model = build()
    paths = [folder / f"translator.{suffix}" for suffix in ("pt", "safetensors", "onnx")]
    torch.save(model.state_dict(), paths[0])
    save_file(model.state_dict(), paths[1])
    source, target = torch.zeros(1, 7, dtype=torch.long), torch.zeros(1, 5, dtype=torch.long)
    torch.onnx.export(model, (source, target), paths[2], dynamo=False, input_names=["source", "target"])
    return paths
