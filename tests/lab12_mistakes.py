"""Typical wrong answers to Lab 12, as edits of the solution's answer cells (see lab03_mistakes.py)."""

_LOOP = """    shuffle_with = torch.Generator().manual_seed(seed)
    train, test = [], []
    for c in labels.unique():
        members = (labels == c).nonzero().squeeze(1)
        members = members[torch.randperm(len(members), generator=shuffle_with)]
        cut = round(fraction * len(members))
        train.append(members[:cut])
        test.append(members[cut:])
    return torch.cat(train), torch.cat(test)"""
_SHUFFLE = "members = members[torch.randperm(len(members), generator=shuffle_with)]"
_NETWORK = """        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classify = nn.Linear(128, n_classes)"""
_FEATURES = """            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classify = nn.Linear(128, n_classes)"""

MISTAKES = [
    ("unstratified", "ex-split", _LOOP,
     "    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))\n"
     "    cut = round(fraction * len(labels))\n"
     "    return order[:cut], order[cut:]", "not stratified"),
    ("unseeded", "ex-split", _SHUFFLE, "members = members[torch.randperm(len(members))]", "not seeded"),
    ("seeded by the global generator", "ex-split", "    shuffle_with = torch.Generator().manual_seed(seed)\n",
     "    torch.manual_seed(seed)\n    shuffle_with = None\n", "the global random state changed"),
    ("the seed ignored", "ex-split", "manual_seed(seed)", "manual_seed(0)", "the seed is ignored"),
    ("overlapping sides", "ex-split", "test.append(members[cut:])", "test.append(members[cut - 1:])",
     "images on both sides"),
    ("the whole class on both sides", "ex-split", "test.append(members[cut:])", "test.append(members)",
     "images on both sides"),
    ("80/20 reversed", "ex-split", "return torch.cat(train), torch.cat(test)",
     "return torch.cat(test), torch.cat(train)", "the 80/20 split reversed"),
    ("the fraction taken of the test side", "ex-split", "cut = round(fraction * len(members))",
     "cut = round((1 - fraction) * len(members))", "the 80/20 split reversed"),
    ("images left out", "ex-split", "test.append(members[cut:])", "test.append(members[cut + 1:])",
     "left out of both sides"),
    ("labels returned instead of indices", "ex-split", "return torch.cat(train), torch.cat(test)",
     "return labels[torch.cat(train)], labels[torch.cat(test)]", "return indices, not labels"),
    ("masks returned instead of indices", "ex-split", "return torch.cat(train), torch.cat(test)",
     "is_train = torch.zeros(len(labels), dtype=torch.bool)\n"
     "    is_train[torch.cat(train)] = True\n"
     "    return is_train, ~is_train", "is a mask"),
    ("drawn with replacement", "ex-split", _SHUFFLE,
     "members = members[torch.randint(len(members), (len(members),), generator=shuffle_with)]", "appears twice"),
    ("the fraction ignored", "ex-split", "cut = round(fraction * len(members))", "cut = round(0.8 * len(members))",
     "the fraction is ignored"),
    ("a linear layer sized for 28x28 images", "ex-cnn", _FEATURES,
     "            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),\n"
     "            nn.Flatten())\n"
     "        self.classify = nn.Linear(128 * 7 * 7, n_classes)", "sized for 28x28"),
    ("a softmax at the end", "ex-cnn", "return self.classify(self.features(x))",
     "return self.classify(self.features(x)).softmax(1)", "a softmax at the end"),
    ("the number of classes fixed at 10", "ex-cnn", "nn.Linear(128, n_classes)", "nn.Linear(128, 10)",
     "must return logits"),
    ("the input channels fixed at 3", "ex-cnn", "nn.Conv2d(in_channels, 32", "nn.Conv2d(3, 32", "failed on a batch"),
    ("a layer built but not used", "ex-cnn", "        self.classify = nn.Linear(128, n_classes)",
     "        self.classify = nn.Linear(128, n_classes)\n        self.spare = nn.Linear(128, n_classes)",
     "no gradient reaches spare"),
    ("no convolution", "ex-cnn", _NETWORK,
     "        self.features = nn.Sequential(nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Linear(16 * in_channels, 128), nn.ReLU())\n"
     "        self.classify = nn.Linear(128, n_classes)", "no convolution"),
]

TEST_OF = {"ex-split": "test-split", "ex-cnn": "test-cnn"}
POINTS = {"test-split": 3, "test-cnn": 2}
DEPENDS = {}
