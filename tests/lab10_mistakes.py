"""Typical wrong answers to Lab 10, as edits of the solution's answer cells (see lab03_mistakes.py)."""

_PSNR = "return (10 * torch.log10(2.0 ** 2 / mse)).mean().item()"
_UP_FWD = "return self.act(self.shuffle(self.conv(x)))"
_RES_FWD = "return x + self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))"
_CONTENT = "return F.mse_loss(phi(sr), target)"
_ADV = "adversarial = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))"
_STEP_D = "real, fake = D(hr), D(sr.detach())"
_STEP_LOSS_D = ("loss_d = F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) \\\n"
                "        + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))")

MISTAKES = [
    ("PSNR with the peak of [0, 1] data", "ex-psnr", _PSNR, _PSNR.replace("2.0 ** 2", "1.0 ** 2"), "the peak of [0, 1] data"),
    ("PSNR with the peak of [0, 255] data", "ex-psnr", _PSNR, _PSNR.replace("2.0 ** 2", "255.0 ** 2"),
     "the peak of [0, 255] data"),
    ("PSNR of the batch's mean error", "ex-psnr", _PSNR, "return (10 * torch.log10(2.0 ** 2 / mse.mean())).item()",
     "the PSNR of the batch's mean error"),
    ("PSNR with the natural logarithm", "ex-psnr", _PSNR, _PSNR.replace("log10", "log"), "the natural logarithm"),
    ("PSNR as 20 log10(peak^2 / MSE)", "ex-psnr", _PSNR, _PSNR.replace("10 *", "20 *"), "20 log10(peak^2 / MSE)"),
    ("PSNR with the squared errors summed over the pixels", "ex-psnr", ".flatten(1).mean(1)", ".flatten(1).sum(1)",
     "summed over each image's pixels"),
    ("PSNR summed over the images", "ex-psnr", _PSNR, _PSNR.replace(".mean().item()", ".sum().item()"),
     "summed over the images"),
    ("PSNR of one image per batch returned as a tensor", "ex-psnr", _PSNR,
     "return 10 * torch.log10(2.0 ** 2 / mse)", "must return one number"),
    ("upsampling by interpolation (nn.Upsample)", "ex-upsampler", "self.shuffle = nn.PixelShuffle(r)",
     "self.shuffle = nn.Upsample(scale_factor=r)", "upsampling by interpolation (nn.Upsample)"),
    ("upsampling by F.interpolate", "ex-upsampler", _UP_FWD,
     "return self.act(F.interpolate(self.conv(x)[:, ::4], scale_factor=2))", "upsampling by interpolation (F.interpolate)"),
    ("the PixelShuffle channel count without r^2", "ex-upsampler", "channels * r * r", "channels * r",
     "the PixelShuffle channel count"),
    ("a ReLU in the upsampler", "ex-upsampler", "self.act = nn.PReLU(channels)", "self.act = nn.ReLU()",
     "(a ReLU: SRResNet uses PReLU)"),
    ("the PReLU before the shuffle", "ex-upsampler", "self.act = nn.PReLU(channels)",
     "self.act = nn.PReLU(channels * r * r)", "the PReLU has 12 slopes"),
    ("no activation in the upsampler", "ex-upsampler", _UP_FWD, "return self.shuffle(self.conv(x))",
     "the activation is not one PReLU after the shuffle"),
    ("the sub-pixel layout by a wrong reshape", "ex-upsampler", _UP_FWD,
     "n, _, h, w = x.shape\n        y = self.conv(x).view(n, -1, 2, 2, h, w).permute(0, 1, 4, 3, 5, 2)\n"
     "        return self.act(y.reshape(n, -1, 2 * h, 2 * w))", "the sub-pixel layout is wrong"),
    ("a 1x1 convolution in the upsampler", "ex-upsampler", "channels * r * r, 3, padding=1", "channels * r * r, 1",
     "a 3x3 kernel and padding 1"),
    ("no skip connection", "ex-residual", _RES_FWD, _RES_FWD.replace("return x + ", "return "), "no skip connection"),
    ("an activation after the sum", "ex-residual", _RES_FWD,
     "return self.act(x + self.bn2(self.conv2(self.act(self.bn1(self.conv1(x))))))", "an activation after the sum"),
    ("a ReLU in the residual block", "ex-residual", "self.act = nn.PReLU(channels)", "self.act = nn.ReLU()",
     "(a ReLU: SRResNet uses PReLU)"),
    ("the PReLU before the BatchNorm", "ex-residual", "self.act(self.bn1(self.conv1(x)))", "self.bn1(self.act(self.conv1(x)))",
     "the PReLU before the BatchNorm"),
    ("the second BatchNorm missing", "ex-residual", "self.bn2(self.conv2(", "(self.conv2(",
     "the second BatchNorm missing"),
    ("one BatchNorm only", "ex-residual",
     "self.conv2, self.bn2 = nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels)",
     "self.conv2, self.bn2 = nn.Conv2d(channels, channels, 3, padding=1), nn.Identity()", "1 BatchNorm layers"),
    ("the same convolution twice", "ex-residual", "self.conv2(self.act", "self.conv1(self.act",
     "the same convolution used twice"),
    ("convolutions without padding", "ex-residual", "self.conv1, self.bn1 = nn.Conv2d(channels, channels, 3, padding=1)",
     "self.conv1, self.bn1 = nn.Conv2d(channels, channels, 3)", "the block needs two 3x3 convolutions"),
    ("the content loss on pixels", "ex-content", _CONTENT, "return F.mse_loss(sr, hr)", "the content loss on pixels"),
    ("the feature network left in train mode", "ex-content",
     "phi.eval()  # BatchNorm and dropout as at test time: the features must not depend on the batch\n    ", "",
     "the feature network left in train mode"),
    ("the content target not detached", "ex-content", "with torch.no_grad():\n        target = phi(hr)",
     "if True:\n        target = phi(hr)", "the target phi(hr) is not detached"),
    ("the content loss summed", "ex-content", _CONTENT, 'return F.mse_loss(phi(sr), target, reduction="sum")', "summed"),
    ("the content loss as L1", "ex-content", _CONTENT, "return F.l1_loss(phi(sr), target)", "the L1 distance"),
    ("the upscaled features detached", "ex-content", _CONTENT, "return F.mse_loss(phi(sr).detach(), target)",
     "content_loss carries no gradient"),
    ("the adversarial weight 1", "ex-g-loss", "adv_weight=1e-3", "adv_weight=1.0", "the adversarial weight 1"),
    ("adv_weight ignored", "ex-g-loss", "+ adv_weight * adversarial", "+ 1e-3 * adversarial", "adv_weight is not used"),
    ("the saturating adversarial loss", "ex-g-loss", _ADV,
     "adversarial = -F.binary_cross_entropy_with_logits(logit, torch.zeros_like(logit))",
     "the saturating adversarial loss"),
    ("the adversarial label 0", "ex-g-loss", _ADV,
     "adversarial = F.binary_cross_entropy_with_logits(logit, torch.zeros_like(logit))", "the adversarial term with label 0"),
    ("the adversarial term on the real images", "ex-g-loss", "logit = D(sr)", "logit = D(hr)", "on the real images hr"),
    ("sr detached before D in G's loss", "ex-g-loss", "logit = D(sr)", "logit = D(sr.detach())", "sr detached before D"),
    ("no content loss in G's loss", "ex-g-loss", "return content_loss(phi, sr, hr) + adv_weight * adversarial",
     "return adv_weight * adversarial", "no content loss"),
    ("a sigmoid before BCE with logits", "ex-g-loss", _ADV, _ADV.replace("(logit, torch", "(logit.sigmoid(), torch"),
     "a sigmoid before binary_cross_entropy_with_logits"),
    ("the generator step also stepping D", "ex-step", "    opt_g.step()\n    return",
     "    opt_g.step()\n    opt_d.step()\n    return", "the generator step also stepped D"),
    ("fakes not detached in D's step", "ex-step", _STEP_D, "real, fake = D(hr), D(sr)", "fakes not detached"),
    ("D's labels swapped", "ex-step", _STEP_LOSS_D,
     _STEP_LOSS_D.replace("torch.ones_like(real)", "torch.zeros_like(real)").replace("torch.zeros_like(fake)",
                                                                                      "torch.ones_like(fake)"),
     "D's labels swapped"),
    ("D on the real images only", "ex-step", _STEP_LOSS_D,
     "loss_d = F.binary_cross_entropy_with_logits(real, torch.ones_like(real))", "D trained on the real images only"),
    ("G trained on pixel MSE", "ex-step", "loss_g = srgan_g_loss(D, phi, sr, hr, adv_weight)", "loss_g = F.mse_loss(sr, hr)",
     "G trained on pixel MSE"),
    ("adv_weight not passed on", "ex-step", "loss_g = srgan_g_loss(D, phi, sr, hr, adv_weight)",
     "loss_g = srgan_g_loss(D, phi, sr, hr)", "adv_weight not passed on"),
]

TEST_OF = {
    "ex-psnr": "test-psnr",
    "ex-upsampler": "test-upsampler",
    "ex-residual": "test-residual",
    "ex-content": "test-content",
    "ex-g-loss": "test-g-loss",
    "ex-step": "test-step",
}
POINTS = {"test-psnr": 2, "test-upsampler": 2, "test-residual": 2, "test-content": 2, "test-g-loss": 2, "test-step": 3}
# the step and the generator loss call the other losses, but their checks run them with the kit's
# (gankit.checks.kit_helpers)
DEPENDS = {}
