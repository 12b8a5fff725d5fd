"""Typical wrong answers to Lab 11, as edits of the solution's answer cells (see lab03_mistakes.py)."""

_PRED = "predicted = torch.cat([T(x.to(dev)).argmax(1).cpu() for x in held_out.images.split(500)])"
_NOISE = "return torch.cat([x, project(z).view(x.shape)], dim=1)"
_TASK = "return (F.cross_entropy(T(translated), labels) + F.cross_entropy(T(source), labels)) / 2"
_DA_G = "loss_g = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit)) + task_weight * task_loss(T, fake, source, labels)"
_DA_D = ("loss_d = F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit)) \\\n"
         "        + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit))")
_CODE = "code = F.one_hot(c, k).to(x.dtype).view(n, k, 1, 1).expand(n, k, h, w)"
_SD = "return adversarial + lambda_cls * F.cross_entropy(cls_real, c_orig)"
_SD_ADV = ("adversarial = F.binary_cross_entropy_with_logits(src_real, torch.ones_like(src_real)) \\\n"
           "        + F.binary_cross_entropy_with_logits(src_fake, torch.zeros_like(src_fake))")
_SG = "return adversarial + lambda_cls * domain + lambda_rec * reconstruction"
_REC = "reconstruction = (real - G(fake, c_orig)).abs().mean()"

MISTAKES = [
    ("the classifier evaluated on MNIST-M training images", "ex-accuracy", 'held_out = mnist_m["test"]',
     'held_out = mnist_m["train"]', "evaluated on MNIST-M training images"),
    ("T evaluated in train mode", "ex-accuracy", "    T.eval()\n", "", "T evaluated in train mode"),
    ("T left in eval mode", "ex-accuracy", "    T.train(was_training)\n", "", "T left in eval mode"),
    ("the accuracy as a percentage", "ex-accuracy", ".float().mean().item()", ".float().mean().item() * 100",
     "a percentage"),
    ("the noise left out of the generator", "ex-noise", _NOISE, "return x", "the noise left out of the generator"),
    ("the noise added to the image", "ex-noise", _NOISE, "return x + project(z).view(x.shape)", "the noise added"),
    ("the noise before the image", "ex-noise", _NOISE, "return torch.cat([project(z).view(x.shape), x], dim=1)",
     "the noise before the image"),
    ("the noise stacked along the batch", "ex-noise", "dim=1)", "dim=0)", "stacked along the batch"),
    ("the noise projection detached", "ex-noise", "project(z).view", "project(z).detach().view", "the projection detached"),
    ("the noise reshaped in another layout", "ex-noise", _NOISE,
     "n, c, h, w = x.shape\n    return torch.cat([x, project(z).view(n, h, w, c).permute(0, 3, 1, 2)], dim=1)",
     "reshaped in another layout"),
    ("a softmax before the cross-entropy", "ex-task", _TASK,
     "return (F.cross_entropy(T(translated).softmax(1), labels) + F.cross_entropy(T(source).softmax(1), labels)) / 2",
     "a softmax before the cross-entropy"),
    ("the task loss on the translated images only", "ex-task", _TASK, "return F.cross_entropy(T(translated), labels)",
     "on the translated images only"),
    ("the task loss on the source images only", "ex-task", _TASK, "return F.cross_entropy(T(source), labels)",
     "on the source images only"),
    ("the two cross-entropies summed", "ex-task", _TASK, "return F.cross_entropy(T(translated), labels) + F.cross_entropy(T(source), labels)",
     "the two cross-entropies summed"),
    ("nll_loss on logits", "ex-task", _TASK, "return (F.nll_loss(T(translated), labels) + F.nll_loss(T(source), labels)) / 2",
     "nll_loss on logits"),
    ("the translations detached in the task loss", "ex-task", "T(translated)", "T(translated.detach())",
     "the translated images detached in the task loss"),
    ("the task loss on target images", "ex-da-step", "task_loss(T, fake, source, labels)", "task_loss(T, fake, target, labels)",
     "task loss on target images"),
    ("translations not detached in D's step", "ex-da-step", "D(fake.detach())", "D(fake)", "fakes not detached"),
    ("the noise left out of the generator in the step", "ex-da-step", "fake = G(source, z)", "fake = G(source, torch.zeros_like(z))",
     "the noise left out of the generator"),
    ("D's labels swapped in PixelDA", "ex-da-step", _DA_D,
     _DA_D.replace("torch.ones_like(real_logit)", "torch.zeros_like(real_logit)").replace(
         "torch.zeros_like(fake_logit)", "torch.ones_like(fake_logit)"), "D's labels swapped"),
    ("PixelDA's D on the real images only", "ex-da-step", _DA_D,
     "loss_d = F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))", "D trained on the real images only"),
    ("task_weight not passed on", "ex-da-step", "+ task_weight * task_loss", "+ 0.1 * task_loss", "task_weight not passed on"),
    ("no task loss in G's objective", "ex-da-step", _DA_G,
     "loss_g = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))", "no task loss in G's objective"),
    ("no adversarial term in PixelDA's G loss", "ex-da-step", _DA_G, "loss_g = task_weight * task_loss(T, fake, source, labels)",
     "no adversarial term in G's objective"),
    ("the generator step also stepping D", "ex-da-step", "    opt_g.step()\n    return",
     "    opt_g.step()\n    opt_d.step()\n    return", "the generator step also stepped D"),
    ("the code not replicated over the image", "ex-domain-code", "return torch.cat([x, code], dim=1)",
     "return torch.cat([x, F.one_hot(c, k).to(x.dtype)], dim=1)", "the code not replicated over the image"),
    ("the code at one pixel only", "ex-domain-code", "return torch.cat([x, code], dim=1)",
     "return torch.cat([x, F.pad(code[:, :, :1, :1], (0, w - 1, 0, h - 1))], dim=1)", "the code not replicated over the image"),
    ("the domain as one plane holding its number", "ex-domain-code", _CODE,
     "code = c.to(x.dtype).view(n, 1, 1, 1).expand(n, 1, h, w)", "one plane holding its number"),
    ("the code expanded with H and W swapped", "ex-domain-code", "expand(n, k, h, w)", "expand(n, k, w, h)",
     "the code not replicated over the image"),
    ("the code before the image", "ex-domain-code", "return torch.cat([x, code], dim=1)",
     "return torch.cat([code, x], dim=1)", "the code before the image"),
    ("the domain loss on fakes put into D's loss", "ex-star-d-loss", _SD,
     "return adversarial + lambda_cls * (F.cross_entropy(cls_real, c_orig) + F.cross_entropy(D(fake.detach())[1], c_target))",
     "domain loss on fakes put into D's loss"),
    ("the real images' domain loss with the target domains", "ex-star-d-loss", "F.cross_entropy(cls_real, c_orig)",
     "F.cross_entropy(cls_real, c_target)", "with the target domains"),
    ("no domain term in D's loss", "ex-star-d-loss", _SD, "return adversarial", "no domain term"),
    ("D's labels swapped in StarGAN", "ex-star-d-loss", _SD_ADV,
     _SD_ADV.replace("torch.ones_like(src_real)", "torch.zeros_like(src_real)").replace(
         "torch.zeros_like(src_fake)", "torch.ones_like(src_fake)"), "D's labels swapped"),
    ("a softmax before D's domain cross-entropy", "ex-star-d-loss", "F.cross_entropy(cls_real, c_orig)",
     "F.cross_entropy(cls_real.softmax(1), c_orig)", "a softmax before the cross-entropy"),
    ("the real/fake and domain heads' losses swapped in D", "ex-star-d-loss", "src_real, cls_real = D(real)",
     "cls_real, src_real = D(real)", "the real/fake and domain heads' losses swapped"),
    ("fakes not detached in D's loss", "ex-star-d-loss", "D(fake.detach())", "D(fake)", "fake not detached"),
    ("lambda_cls not used in D's loss", "ex-star-d-loss", "lambda_cls * F.cross_entropy", "F.cross_entropy",
     "lambda_cls is not used"),
    ("the target code given for reconstruction", "ex-star-g-loss", "G(fake, c_orig)", "G(fake, c_target)",
     "the target code given for reconstruction"),
    ("lambda_rec dropped", "ex-star-g-loss", _SG, "return adversarial + lambda_cls * domain + reconstruction",
     "lambda_rec dropped"),
    ("no reconstruction term", "ex-star-g-loss", _SG, "return adversarial + lambda_cls * domain", "no reconstruction term"),
    ("the reconstruction by squared error", "ex-star-g-loss", _REC, _REC.replace(".abs()", ".pow(2)"),
     "the reconstruction by squared error"),
    ("the reconstruction compared with the fake", "ex-star-g-loss", _REC,
     "reconstruction = (fake - G(fake, c_orig)).abs().mean()", "compared with the fake"),
    ("G(real, c_orig) as the reconstruction", "ex-star-g-loss", _REC,
     "reconstruction = (real - G(real, c_orig)).abs().mean()", "G(real, c_orig) as the reconstruction"),
    ("the fakes' domain loss with the original domains", "ex-star-g-loss", "F.cross_entropy(cls_fake, c_target)",
     "F.cross_entropy(cls_fake, c_orig)", "with the original domains"),
    ("no domain term in G's loss", "ex-star-g-loss", _SG, "return adversarial + lambda_rec * reconstruction", "no domain term"),
    ("no adversarial term in StarGAN's G loss", "ex-star-g-loss", _SG, "return lambda_cls * domain + lambda_rec * reconstruction",
     "no adversarial term"),
    ("the saturating adversarial loss in StarGAN", "ex-star-g-loss",
     "adversarial = F.binary_cross_entropy_with_logits(src_fake, torch.ones_like(src_fake))",
     "adversarial = -F.binary_cross_entropy_with_logits(src_fake, torch.zeros_like(src_fake))", "the saturating adversarial loss"),
    ("the real/fake and domain heads' losses swapped in G", "ex-star-g-loss", "src_fake, cls_fake = D(fake)",
     "cls_fake, src_fake = D(fake)", "the real/fake and domain heads' losses swapped"),
]

TEST_OF = {
    "ex-accuracy": "test-accuracy",
    "ex-noise": "test-noise",
    "ex-task": "test-task",
    "ex-da-step": "test-da-step",
    "ex-domain-code": "test-domain-code",
    "ex-star-d-loss": "test-star-d-loss",
    "ex-star-g-loss": "test-star-g-loss",
}
POINTS = {"test-accuracy": 2, "test-noise": 2, "test-task": 2, "test-da-step": 3, "test-domain-code": 2,
          "test-star-d-loss": 2, "test-star-g-loss": 2}
# the PixelDA step calls task_loss, but its check runs it with the kit's (gankit.checks.kit_helpers)
DEPENDS = {}
